"""Checks of an LLM reply's form, beside the grounding check of its facts (`agent.grounding`).

Small models fail in ways that name nothing false: they loop, repeat their instructions,
stop in the middle of a sentence, or answer something other than the question. A reply
with any of these problems is not shown; the template reply is.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from agent.state import ReplyPlan
from knowledge.items import Item, normalize_text
from prompts import environment

LOOP_NGRAM = 6
"""A run of this many words said twice is a loop (natural replies this short never do)."""
ECHO_WORDS = 4
"""An instruction line of at least this many words, repeated in the reply, is an echo."""
PROMPTS = ("system", "recommend", "lead", "answer", "ask")
"""The prompt templates whose fixed words a reply must not repeat."""
SELF_TALK = (
    "the user",
    "you are parley",
    "you re parley",
    "you re a movie recommender",
    "you are a movie recommender",
    "as an ai",
)
"""Words a reply to the user never says: the model talking to itself about its brief."""
_ENDING = re.compile(r"[.!?…][\"'”’)\]]*\s*$")


def reply_problems(
    draft: str, plan: ReplyPlan, chosen: Sequence[Item], shown: Sequence[Item] = ()
) -> list[str]:
    """What is wrong with a draft's form (empty when nothing is). ``chosen`` are the items
    it may name, ``shown`` the ones the turn recommends (each must be named, `name_all`)."""
    problems = []
    words = normalize_text(draft).split()
    if not words:
        return ["says nothing"]
    grams = Counter(tuple(words[i : i + LOOP_NGRAM]) for i in range(len(words) - LOOP_NGRAM + 1))
    looped = [g for g, n in grams.items() if n > 1]
    if looped:
        problems.append(f"repeats itself ({' '.join(looped[0])!r})")
    for title in {normalize_text(i.title) for i in chosen}:
        if title and len(re.findall(rf"\b{re.escape(title)}\b", " ".join(words))) > 2:
            problems.append(f"names {title!r} more than twice")
    text = " ".join(words)
    padded = f" {text} "
    echoed = next((p for p in instruction_phrases() if p in text), None)
    echoed = echoed or next((p for p in SELF_TALK if f" {p} " in padded), None)
    if echoed:
        problems.append(f"repeats its instructions ({echoed!r})")
    if not _ENDING.search(draft.strip()):
        problems.append("stops in the middle of a sentence (cut off by the token limit)")
    if plan.must_ask and plan.ask_about:
        topics = {normalize_text(t) for t in plan.ask_about} - {""}
        if not any(f" {t} " in padded for t in topics):
            problems.append("asks something other than the question due")
    if plan.act == "recommend" and plan.name_all:
        missing = [i.title for i in shown if normalize_text(i.title) not in text]
        if missing:
            problems.append(f"leaves out {', '.join(missing)}")
    return problems


@lru_cache(maxsize=1)
def instruction_phrases() -> tuple[str, ...]:
    """The fixed words of the prompt templates (instructions and labels, never the data
    filled into them), normalized: a reply that contains one repeats its prompt."""
    env = environment()
    phrases = []
    for name in PROMPTS:
        source, _, _ = env.loader.get_source(env, f"{name}.j2")  # type: ignore[union-attr]
        for line in source.splitlines():
            fixed = re.sub(r"{%.*?%}|{#.*?#}", "", line).split("{{")[0]
            # Each sentence of a line on its own: a model echoes "You are Parley, a friendly
            # movie recommender." without the rest of its line.
            for sentence in re.split(r"(?<=[.!?:])\s+", fixed):
                norm = normalize_text(sentence)
                if len(norm.split()) >= ECHO_WORDS - 1:
                    phrases.append(norm)
    return tuple(dict.fromkeys(phrases))
