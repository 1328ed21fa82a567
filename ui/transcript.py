"""The chat transcript as Gradio's Chatbot shows it: messages, tool steps, example prompts."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from agent.state import ToolCall
from knowledge.items import Catalog

ChatMessage = dict[str, Any]
"""One Chatbot message in Gradio's messages format: ``{"role", "content", "metadata"?}``."""

USER_PREVIEW_CHARS = 400
"""A refused over-long message is shown cut to this many characters."""

# Markdown punctuation that would turn a user's words into formatting.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]#|~$])")
# What would make a link or an image: brackets (``[text](url)``, ``![alt](url)``), and the
# starts of the addresses GitHub-flavoured Markdown turns into links by itself.
_LINK_SYNTAX = re.compile(r"([\\\[\]])")
_AUTOLINK = re.compile(r"(?i)\b(https?|ftp|mailto|javascript|data)(:)|\b(www)(\.)|(@)(?=\w)")


def inert(text: str) -> str:
    """Text with no HTML, no link and no image left in it, shown as it was written.

    HTML is escaped; ``[`` and ``]`` are backslash-escaped (no ``[text](url)``, no
    ``![alt](url)``); the ``:`` of ``http:``, the ``.`` of ``www.`` and ``@`` are escaped, so
    the Markdown renderer makes no link of a bare address. Chat text is data: an LLM
    reply must never make the browser fetch or open anything.
    """
    return _no_autolinks(_LINK_SYNTAX.sub(r"\\\1", html.escape(text, quote=False)))


def _no_autolinks(markdown: str) -> str:
    return _AUTOLINK.sub(_escape_groups, markdown)


def _escape_groups(match: re.Match[str]) -> str:
    scheme, colon, www, dot, at = match.groups()
    if scheme:
        return f"{scheme}\\{colon}"
    if www:
        return f"{www}\\{dot}"
    return f"\\{at}"


def user_text(text: str) -> str:
    """A user's message as Chatbot Markdown that shows exactly what they typed."""
    return _no_autolinks(_MARKDOWN_PUNCTUATION.sub(r"\\\1", html.escape(text, quote=False)))


_LIST_ITEM = re.compile(r"^\s*(?:\d+[.)]|[-*+])\s")


def reply_text(text: str) -> str:
    """Parley's reply as Chatbot Markdown: its lists and emphasis may render; its HTML,
    links and images may not (see `inert`).

    A line right after a list ends the list (Markdown would fold it into the last item).
    """
    lines = inert(text).split("\n")
    out: list[str] = []
    for line in lines:
        if out and _LIST_ITEM.match(out[-1]) and line.strip() and not _LIST_ITEM.match(line):
            out.append("")
        out.append(line)
    return "\n".join(out)


def user_message(text: str) -> ChatMessage:
    """The user's bubble; a refused over-long message is shown cut, with its length."""
    shown = text.strip()
    if len(shown) > USER_PREVIEW_CHARS:
        shown = f"{shown[:USER_PREVIEW_CHARS]}… ({len(text):,} characters)"
    return {"role": "user", "content": user_text(shown)}


def assistant_message(text: str) -> ChatMessage:
    """Parley's bubble."""
    return {"role": "assistant", "content": reply_text(text)}


def thinking_message(key: str) -> ChatMessage:
    """A spinner shown while the agent works, before the first word of the reply."""
    return {
        "role": "assistant",
        "content": "",
        "metadata": {"title": "Thinking…", "id": key, "status": "pending"},
    }


def _fenced(text: str) -> str:
    """A Markdown code block that no backtick run inside ``text`` can close early."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{text}\n{fence}"


def tool_steps(trace: Sequence[ToolCall], key: str) -> list[ChatMessage]:
    """A turn's tool calls as collapsible steps: one closed group, one step per call."""
    if not trace:
        return []
    names = list(dict.fromkeys(call.tool for call in trace))
    failed = sum(1 for call in trace if call.error)
    title = f"Used {len(trace)} tool call{'s' if len(trace) != 1 else ''}: {', '.join(names)}"
    if failed:
        title += f" ({failed} failed)"
    steps: list[ChatMessage] = [
        {
            "role": "assistant",
            "content": "",
            "metadata": {
                "title": title,
                "id": key,
                "status": "done",
                "duration": round(sum(call.ms for call in trace) / 1000, 2),
            },
        }
    ]
    for n, call in enumerate(trace, start=1):
        body = "**Input**\n" + _fenced(json.dumps(call.input, ensure_ascii=False, indent=1))
        body += "\n\n**Result**\n" + _fenced(call.summary or "(nothing)")
        if call.error:
            body += "\n\n**Error**\n" + _fenced(call.error)
        steps.append(
            {
                "role": "assistant",
                "content": body,
                "metadata": {
                    "title": f"{'⚠ ' if call.error else ''}{call.tool}",
                    "id": f"{key}.{n}",
                    "parent_id": key,
                    "status": "done",
                    "duration": round(call.ms / 1000, 6),
                },
            }
        )
    return steps


def history(
    messages: Sequence[BaseMessage], last_trace: Sequence[ToolCall] = ()
) -> list[ChatMessage]:
    """A saved dialogue as Chatbot messages; the latest turn's tool steps go before its reply.

    Only the latest turn's tool calls are saved with a session, so earlier turns come back
    without their steps.
    """
    shown: list[ChatMessage] = []
    last_ai = max((n for n, m in enumerate(messages) if isinstance(m, AIMessage)), default=-1)
    for n, message in enumerate(messages):
        text = message.content if isinstance(message.content, str) else str(message.content)
        if isinstance(message, HumanMessage):
            shown.append(user_message(text))
        elif isinstance(message, AIMessage):
            if n == last_ai:
                shown.extend(tool_steps(last_trace, key=f"steps-{n}"))
            shown.append(assistant_message(text))
    return shown


def session_label(messages: Sequence[BaseMessage], limit: int = 48) -> str:
    """A short name for a saved conversation: its first user message and its length."""
    said = [m for m in messages if isinstance(m, HumanMessage)]
    if not said:
        return "New conversation"
    first = " ".join(str(said[0].content).split())
    if len(first) > limit:
        first = first[: limit - 1].rstrip() + "…"
    turns = len(said)
    return f"{first} · {turns} turn{'s' if turns != 1 else ''}"


def example_prompts(catalog: Catalog) -> list[str]:
    """Example first messages that fit the catalog: a liked title, genres, a question."""
    items = list(catalog)
    if not items:
        return []
    by_popularity = sorted(items, key=lambda i: -(i.popularity or 0.0))
    prompts = [f"I loved {by_popularity[0].display_title}. What should I try next?"]
    genres = sorted(catalog.attribute_values("genre").items(), key=lambda kv: -kv[1])
    if len(genres) >= 2:
        wanted = genres[0][0]
        avoided = next((g for g, _ in genres if g in {"horror", "romance"}), genres[-1][0])
        prompts.append(f"Something {wanted} from the 90s, but no {avoided} please")
    with_director = next((i for i in by_popularity[1:] if i.values("director")), None)
    if with_director is not None:
        prompts.append(f"Who directed {with_director.display_title}?")
    prompts.append("Surprise me with something uplifting")
    return prompts
