"""The agent's tools over one pack: created once from the registry, called with a trace."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Any

from pydantic import BaseModel

from agent.state import ToolCall
from knowledge.errors import ParleyError
from tools.base import KnowledgeSource, Tool
from tools.registry import ToolRegistry, default_registry

log = logging.getLogger(__name__)


class Toolbox:
    """Every registered tool, instantiated over a knowledge source (setup stays lazy)."""

    def __init__(self, source: KnowledgeSource, registry: ToolRegistry | None = None) -> None:
        self.source = source
        self.registry = registry or default_registry()
        self.tools: dict[str, Tool[Any, Any]] = {}
        for spec in self.registry.specs():
            try:
                tool = spec.create(source)
                if tool.is_available():
                    self.tools[spec.name] = tool
                else:
                    log.info("tool %s has nothing to work from in this pack; skipped", spec.name)
            except Exception as exc:  # a plug-in that cannot start must not stop the agent
                log.warning("tool %s (%s) could not be created: %s", spec.name, spec.origin, exc)

    def has(self, name: str) -> bool:
        """True when the tool is installed and created."""
        return name in self.tools

    def names(self) -> list[str]:
        """Names of the available tools."""
        return list(self.tools)

    def rankers(self) -> list[str]:
        """The tools whose role is ``rank``: the agent fuses each one's list into every pool.

        This is how a plug-in joins recommendations with no change to the agent: it declares
        ``roles = frozenset({"rank"})`` and the agent calls it beside the built-in rankers.
        """
        return [name for name, tool in self.tools.items() if "rank" in tool.roles]

    def answerer_for(self, text: str) -> str | None:
        """The answering tool (other than ``lookup``) whose declared intents match a message."""
        for name, patterns in self._intents.items():
            if any(p.search(text) for p in patterns):
                return name
        return None

    @cached_property
    def _intents(self) -> dict[str, list[re.Pattern[str]]]:
        found = {}
        for name, tool in self.tools.items():
            if "answer" in tool.roles and tool.intents and name != "lookup":
                try:
                    found[name] = [re.compile(p, re.IGNORECASE) for p in tool.intents]
                except re.error as exc:  # a plug-in's bad pattern costs its intents only
                    log.warning("tool %s declares an invalid intent pattern: %s", name, exc)
        return found

    def warm_up(self, names: Iterable[str] | None = None) -> None:
        """Run the tools' setup now (indexes, linkers) instead of on the first turn."""
        for name in names or self.tools:
            if name in self.tools:
                self.tools[name].ensure_ready()

    def call(self, name: str, payload: Mapping[str, Any]) -> tuple[BaseModel | None, ToolCall]:
        """Call a tool; failures are caught and recorded, never raised into the dialogue."""
        started = time.perf_counter()
        tool = self.tools.get(name)
        if tool is None:
            return None, ToolCall(
                tool=name,
                input=dict(payload),
                summary="not installed",
                ms=0.0,
                error=f"unknown tool {name!r}",
            )
        try:
            output = tool.invoke(dict(payload))
        except ParleyError as exc:
            return None, _record(name, payload, started, error=str(exc))
        except Exception as exc:  # a tool bug costs one turn's evidence, not the conversation
            log.exception("tool %s failed", name)
            return None, _record(name, payload, started, error=f"{type(exc).__name__}: {exc}")
        return output, _record(name, payload, started, summary=tool.summarize(output))


def _record(
    name: str,
    payload: Mapping[str, Any],
    started: float,
    *,
    summary: str = "",
    error: str | None = None,
) -> ToolCall:
    shown = {k: v for k, v in payload.items() if not isinstance(v, list) or len(v) <= 20}
    return ToolCall(
        tool=name,
        input=shown,
        summary=(summary or error or "")[:500],
        ms=round((time.perf_counter() - started) * 1000, 1),
        error=error,
    )
