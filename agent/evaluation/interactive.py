"""The interactive protocol: a simulated user with hidden targets talks to the agent.

For each turn of a ReDial-format file, the targets are the items the human recommender
named. The conversation is seeded with the dialogue so far, with every sentence that
names a target removed (the changed and dropped utterances are counted: published
protocols leave them in and so leak the answer). The seeker's last message opens the
conversation; then the agent answers and the simulator replies, for up to ``turns``
agent turns or until a target is shown.

Scores:

* ``success_by_turn[t]``: share of conversations in which a target was shown by turn t+1;
* ``recall@k``: a target was within the top k of the agent's ranked pool at some
  recommending turn (each turn lists k new items, as in iEvaLM's protocol);
* ``invalid_item_rate`` (shown items outside the catalog), ``repeat_rate`` (items shown
  twice in one conversation), ``leak_rate`` (simulator messages the agent's own entity
  linker, or the exact/fuzzy title matcher, finds a target in).
"""

from __future__ import annotations

import statistics
import time
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.evaluation.beyond import beyond_accuracy
from agent.evaluation.dialogues import EvalTurn, TurnFile
from agent.evaluation.metrics import CUTOFFS, TurnScore, summarize
from agent.evaluation.run_info import run_info
from agent.evaluation.workers import Progress, run_tasks

MODES = ("attr", "agenda", "free")


@dataclass
class Conversation:
    """One simulated conversation and what it scored."""

    key: str
    targets: list[str]
    success_turn: int | None
    turns: int
    best_ranks: list[int | None]
    shown: int = 0
    invalid: int = 0
    repeats: int = 0
    user_messages: int = 0
    leaks: int = 0
    redactions: int = 0
    context_changed: int = 0
    context_dropped: int = 0
    replies: int = 0
    llm_drafts: int = 0
    """Replies the LLM wrote a draft for (shown or not)."""
    llm_shown: int = 0
    """Drafts that passed every check and were shown."""
    rejections: dict[str, int] = field(default_factory=dict)
    """Why the other drafts were not shown (the check's words, without the details)."""
    planned: int = 0
    """Agent turns in which the LLM planner called a tool."""
    planner_calls: dict[str, int] = field(default_factory=dict)
    """The LLM planner's tool calls, by tool."""
    transcript: list[dict[str, Any]] = field(default_factory=list)


class InteractiveEvaluator:
    """The agent and the simulator over one pack, built once per process."""

    def __init__(
        self,
        pack_dir: str,
        mode: str,
        turns: int,
        seed: int,
        llm: str,
        simulator_llm: str,
        settings: Mapping[str, Any] | None = None,
    ) -> None:
        from agent.agent import ParleyAgent
        from agent.context import AgentSettings
        from agent.llm import GenerationOptions, complete, make_llm
        from knowledge.pack import load_pack
        from tools.user_simulator import UserSimulatorTool

        if mode not in MODES:
            raise ValueError(f"unknown simulator {mode!r}; use one of {', '.join(MODES)}")
        pack = load_pack(Path(pack_dir))
        self.agent = ParleyAgent(
            pack, llm=make_llm(llm), settings=AgentSettings.from_mapping(settings or {})
        )
        self.agent.toolbox.warm_up()
        self.simulator = UserSimulatorTool(pack)
        if mode == "free":
            writer_llm = make_llm(simulator_llm)
            options = GenerationOptions(max_tokens=60, temperature=0.7)
            self.simulator.use_writer(lambda messages: complete(writer_llm, messages, options))  # type: ignore[arg-type]
        self.mode, self.turns, self.seed = mode, turns, seed

    def __call__(self, turn: EvalTurn) -> Conversation:
        from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

        from agent.offline import read_context
        from agent.planner import PLANNED
        from tools.user_simulator import LeakGuard

        agent, catalog = self.agent, self.agent.pack.catalog
        titles = [catalog[t].display_title for t in turn.targets] + turn.target_titles
        guard = LeakGuard(list(dict.fromkeys(titles)))
        seeded, changed, dropped = [], 0, 0
        for utterance in turn.context:
            clean, removed = guard.redact(utterance) if utterance.strip() else (utterance, 0)
            changed += removed > 0
            dropped += removed > 0 and not clean
            seeded.append(clean)
        opening = seeded[-1] if seeded and seeded[-1].strip() and len(seeded) % 2 == 1 else ""
        history = seeded[:-1] if opening else seeded

        seed = zlib.crc32(f"{self.seed}:{turn.key}".encode())
        # A named session: replies are worded per session, so a rerun (other workers, Ray)
        # gives the same conversations.
        session = agent.new_session(session=f"eval-{self.mode}-{self.seed}-{turn.key}")
        agent.checkpointer.delete_thread(session)  # a conversation cut short before
        profile, mentioned = read_context(agent.context, history)
        messages: list[BaseMessage] = [
            HumanMessage(u) if i % 2 == 0 else AIMessage(u)
            for i, u in enumerate(history)
            if u.strip()
        ]
        agent.graph.update_state(
            {"configurable": {"thread_id": session}},
            {"messages": messages, "profile": profile, "shown": mentioned},
            as_node="ground",
        )

        conv = Conversation(
            turn.key, list(turn.targets), None, 0, [None] * len(turn.targets),
            context_changed=changed, context_dropped=dropped,
        )  # fmt: skip
        revealed: list[str] = []
        sim_turns = 0

        def simulate(reply: str, shown: list[str]) -> Any:
            nonlocal revealed, sim_turns
            out = self.simulator.invoke(
                {
                    "targets": turn.targets,
                    "mode": self.mode,
                    "agent_reply": reply,
                    "recommended": shown,
                    "revealed": revealed,
                    "turn": sim_turns,
                    "max_turns": self.turns + 1,
                    "seed": seed,
                }
            )
            revealed, sim_turns = list(out.revealed), sim_turns + 1
            conv.redactions += out.redactions
            return out

        user_text = opening
        if not user_text:
            user_text = simulate("", []).utterance
            self._check_leak(conv, guard, user_text)
        conv.transcript.append({"role": "user", "text": user_text, "seeded": bool(opening)})
        ever_shown: set[str] = set(mentioned)
        for number in range(1, self.turns + 1):
            result = agent.turn(session, user_text)
            conv.turns = number
            shown = [i.item_id for i in result.items]
            conv.shown += len(shown)
            conv.invalid += sum(1 for i in shown if i not in catalog)
            conv.repeats += sum(1 for i in shown if i in ever_shown)
            ever_shown.update(shown)
            if result.act == "recommend":
                pool = [c.item_id for c in agent.snapshot(session).values.get("candidates", [])]
                ranks = TurnScore.of(pool, turn.targets).ranks
                conv.best_ranks = [_best(a, b) for a, b in zip(conv.best_ranks, ranks, strict=True)]
            conv.replies += 1
            conv.llm_drafts += result.reply_source == "llm" or bool(result.rejected)
            conv.llm_shown += result.reply_source == "llm"
            planned = [c.tool for c in result.trace if c.summary.startswith(PLANNED)]
            conv.planned += bool(planned)
            for tool in planned:
                conv.planner_calls[tool] = conv.planner_calls.get(tool, 0) + 1
            for problem in result.rejected:
                reason = problem.split(" (")[0]
                conv.rejections[reason] = conv.rejections.get(reason, 0) + 1
            conv.transcript.append(
                {
                    "role": "parley",
                    "act": result.act,
                    "text": result.reply,
                    "items": shown,
                    "source": result.reply_source,
                }
            )
            out = simulate(result.reply, shown)
            if out.accepted:
                conv.success_turn = number
                conv.transcript.append({"role": "user", "text": out.utterance, "accepted": True})
                break
            if number == self.turns:
                break
            user_text = out.utterance
            self._check_leak(conv, guard, user_text)
            conv.transcript.append({"role": "user", "text": user_text, "reason": out.reason})
        agent.checkpointer.delete_thread(session)  # thousands of conversations per worker
        return conv

    def _check_leak(self, conv: Conversation, guard: Any, text: str) -> None:
        """Count a simulator message that names a target, by either detector."""
        from tools.lookup import LookupOutput

        conv.user_messages += 1
        output, _ = self.agent.toolbox.call("lookup", {"text": text, "facts": False})
        linked = {
            m.best.item.item_id
            for m in (output.mentions if isinstance(output, LookupOutput) else [])
            if m.best.item is not None
        }
        if guard.find(text) or linked & set(conv.targets):
            conv.leaks += 1


def _best(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _beyond(pack_dir: Path, conversations: list[Conversation]) -> dict[str, Any]:
    """Coverage, exposure, novelty and diversity of every recommendation shown."""
    from knowledge.pack import load_pack

    lists = [
        step["items"]
        for c in conversations
        for step in c.transcript
        if step.get("role") == "parley" and step.get("act") == "recommend" and step.get("items")
    ]
    pairs = [
        (t, rank) for c in conversations for t, rank in zip(c.targets, c.best_ranks, strict=True)
    ]
    return beyond_accuracy(load_pack(pack_dir).catalog, lists, pairs)


def evaluate_interactive(
    pack_dir: Path,
    turns: TurnFile,
    *,
    mode: str = "attr",
    max_turns: int = 5,
    seed: int = 0,
    workers: int = 1,
    ray: str | None = None,
    llm: str = "none",
    simulator_llm: str = "embedded",
    settings: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
) -> tuple[dict[str, Any], list[Conversation]]:
    """Run the interactive protocol; returns the report and the conversations."""
    started = time.perf_counter()
    info = run_info(pack_dir, seed=seed, llm=llm, workers=workers, ray=ray)  # the code that runs
    args = (str(pack_dir), mode, max_turns, seed, llm, simulator_llm, dict(settings or {}))
    conversations = run_tasks(
        InteractiveEvaluator, args, turns.turns, workers=workers, progress=progress, ray=ray
    )
    report: dict[str, Any] = {"protocol": "interactive", "simulator": mode, "turns": max_turns}
    scores = [TurnScore(tuple(c.best_ranks)) for c in conversations]
    summary = summarize(scores, seed=seed)
    report.update({"n": len(conversations), "targets": summary["n"]})
    for k in CUTOFFS:
        report[f"recall@{k}"] = summary[f"recall@{k}"]
    intervals = summary["ci95"]
    assert isinstance(intervals, dict)
    report["ci95"] = {k: v for k, v in intervals.items() if k.startswith("recall")}
    n = max(1, len(conversations))
    report["success_by_turn"] = [
        round(sum(1 for c in conversations if c.success_turn and c.success_turn <= t) / n, 4)
        for t in range(1, max_turns + 1)
    ]
    report["success_rate"] = report["success_by_turn"][-1] if max_turns else 0.0
    report["avg_turns"] = (
        round(statistics.fmean(c.turns for c in conversations), 3) if conversations else 0.0
    )
    shown = sum(c.shown for c in conversations)
    messages = sum(c.user_messages for c in conversations)
    report["invalid_item_rate"] = round(sum(c.invalid for c in conversations) / max(1, shown), 4)
    report["repeat_rate"] = round(sum(c.repeats for c in conversations) / max(1, shown), 4)
    report["leak_rate"] = round(sum(c.leaks for c in conversations) / max(1, messages), 4)
    report["counts"] = {
        "items_shown": shown,
        "simulator_messages": messages,
        "leaks": sum(c.leaks for c in conversations),
        "leaks_caught_by_guard": sum(c.redactions for c in conversations),
        "context_utterances_changed": sum(c.context_changed for c in conversations),
        "context_utterances_dropped": sum(c.context_dropped for c in conversations),
        "conversations_with_changed_context": sum(1 for c in conversations if c.context_changed),
    }
    report["language"] = language_figures(conversations)
    report["planner"] = planner_figures(conversations, (settings or {}).get("planner", "policy"))
    report["beyond_accuracy"] = _beyond(pack_dir, conversations)
    report["data"] = {"dialogues": str(turns.path), **turns.counts()}
    report.update(info)
    if mode == "free":
        report["simulator_llm"] = simulator_llm
    report["elapsed_s"] = round(time.perf_counter() - started, 1)
    return report, conversations


def planner_figures(conversations: Sequence[Conversation], planner: str) -> dict[str, Any]:
    """Who planned: on how many agent turns the LLM planner called tools, and which."""
    calls: dict[str, int] = {}
    for conv in conversations:
        for tool, count in conv.planner_calls.items():
            calls[tool] = calls.get(tool, 0) + count
    turns = sum(c.turns for c in conversations)
    planned = sum(c.planned for c in conversations)
    return {
        "planner": planner,
        "agent_turns": turns,
        "turns_planned": planned,
        "planned_share": round(planned / max(1, turns), 4),
        "tool_calls": dict(sorted(calls.items(), key=lambda kv: -kv[1])),
    }


def language_figures(conversations: Sequence[Conversation]) -> dict[str, Any]:
    """The grounded-reply figures: how often the LLM wrote, how often what it wrote was
    shown, and why the rest was not (most frequent reasons first)."""
    replies = sum(c.replies for c in conversations)
    drafts = sum(c.llm_drafts for c in conversations)
    passed = sum(c.llm_shown for c in conversations)
    reasons: dict[str, int] = {}
    for conv in conversations:
        for reason, count in conv.rejections.items():
            reasons[reason] = reasons.get(reason, 0) + count
    return {
        "replies": replies,
        "llm_drafts": drafts,
        "llm_draft_share": round(drafts / max(1, replies), 4),
        "llm_shown": passed,
        "grounded_pass_rate": round(passed / drafts, 4) if drafts else None,
        "rejections": dict(sorted(reasons.items(), key=lambda kv: -kv[1])),
    }
