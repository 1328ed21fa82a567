"""The tool registry: built-in tools plus plug-ins from the ``parley.tools`` entry points."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from knowledge.errors import ParleyError
from tools.base import TOOL_NAME, KnowledgeSource, Tool

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "parley.tools"
BUILTIN = "built-in"

ToolClass = type[Tool[Any, Any]]


class UnknownToolError(ParleyError):
    """No tool has the requested name; the message lists the known ones."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        self.name = name
        self.known = sorted(known)
        super().__init__(f"unknown tool {name!r}; known tools: {', '.join(self.known) or '(none)'}")


@dataclass(frozen=True)
class ToolSpec:
    """A registered tool class and where it came from."""

    name: str
    cls: ToolClass
    origin: str = BUILTIN
    """``built-in``, or the distribution (package) that provided the plug-in."""

    @property
    def description(self) -> str:
        """The tool's description."""
        return self.cls.description

    def create(self, source: KnowledgeSource) -> Tool[Any, Any]:
        """Instantiate the tool over a knowledge source (cheap: setup is lazy)."""
        return self.cls(source)


@dataclass(frozen=True)
class PluginFailure:
    """A plug-in that could not be registered, and why."""

    entry_point: str
    origin: str
    reason: str


@dataclass
class ToolRegistry:
    """Tool classes by name. Registration order is kept: built-ins first, then plug-ins."""

    _specs: dict[str, ToolSpec] = field(default_factory=dict)
    failures: list[PluginFailure] = field(default_factory=list)
    """Plug-ins that were skipped, for `parley tools list` to show."""

    def register(self, cls: ToolClass, *, origin: str = BUILTIN, replace: bool = False) -> ToolSpec:
        """Add a tool class; its ``name`` must be valid and not taken (unless ``replace``)."""
        check_tool_class(cls)
        if cls.name in self._specs and not replace:
            raise ValueError(
                f"tool name {cls.name!r} is already registered by {self._specs[cls.name].origin}"
            )
        spec = ToolSpec(cls.name, cls, origin)
        self._specs[cls.name] = spec
        return spec

    def names(self) -> list[str]:
        """Registered tool names, in registration order."""
        return list(self._specs)

    def specs(self) -> list[ToolSpec]:
        """Registered tools, in registration order."""
        return list(self._specs.values())

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def get(self, name: str) -> ToolSpec:
        """The spec of a tool; `UnknownToolError` lists the known names."""
        try:
            return self._specs[name]
        except KeyError:
            raise UnknownToolError(name, self._specs) from None

    def create(self, name: str, source: KnowledgeSource) -> Tool[Any, Any]:
        """Instantiate the named tool over a knowledge source."""
        return self.get(name).create(source)

    def create_all(
        self, source: KnowledgeSource, names: Iterable[str] | None = None
    ) -> list[Tool[Any, Any]]:
        """Instantiate several tools (all of them by default)."""
        return [self.create(n, source) for n in (self.names() if names is None else names)]

    def load_plugins(
        self,
        group: str = ENTRY_POINT_GROUP,
        entry_points: Callable[[str], Iterable[metadata.EntryPoint]] | None = None,
    ) -> None:
        """Register the tools of an entry-point group; a failing plug-in is logged and skipped.

        Plug-ins load in entry-point name order. A plug-in cannot replace a tool that is
        already registered (built-ins win), and its entry-point name must be its tool name.
        """
        finder = entry_points or _entry_points
        for ep in sorted(finder(group), key=lambda e: (e.name, e.value)):
            origin = _origin(ep)
            try:
                cls = ep.load()
                if not (isinstance(cls, type) and issubclass(cls, Tool)):
                    raise TypeError(f"{ep.value} is not a subclass of tools.base.Tool")
                check_tool_class(cls)
                if cls.name != ep.name:
                    raise ValueError(
                        f"entry point is named {ep.name!r} but the tool is {cls.name!r}"
                    )
                self.register(cls, origin=origin)
            except Exception as exc:  # any plug-in bug must not take Parley down
                reason = f"{type(exc).__name__}: {exc}"
                log.warning("skipping tool plug-in %r from %s: %s", ep.name, origin, reason)
                self.failures.append(PluginFailure(ep.name, origin, reason))


def check_tool_class(cls: ToolClass) -> None:
    """Check that a tool class fills in the contract; raise `TypeError` naming what is missing."""
    missing = [a for a in ("name", "description", "Input", "Output") if not hasattr(cls, a)]
    if missing:
        raise TypeError(f"{cls.__qualname__} does not set {', '.join(missing)}")
    if not isinstance(cls.name, str) or not TOOL_NAME.match(cls.name):
        raise TypeError(
            f"{cls.__qualname__}: tool name {cls.name!r} must match {TOOL_NAME.pattern}"
        )
    if not isinstance(cls.description, str) or not cls.description.strip():
        raise TypeError(f"{cls.__qualname__}: description must be a non-empty string")
    from pydantic import BaseModel

    for attr in ("Input", "Output"):
        model = getattr(cls, attr)
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise TypeError(f"{cls.__qualname__}.{attr} must be a pydantic model class")
    if getattr(cls.run, "__isabstractmethod__", False):
        raise TypeError(f"{cls.__qualname__} does not implement run()")


def _entry_points(group: str) -> Iterable[metadata.EntryPoint]:
    return metadata.entry_points(group=group)


def _origin(ep: metadata.EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return f"plug-in {ep.value}"
    return f"{dist.metadata['Name']} {dist.version}"


def builtin_tools() -> list[ToolClass]:
    """The tool classes Parley ships."""
    from tools.collab import CollabTool
    from tools.kg_paths import KgPathsTool
    from tools.lookup import LookupTool
    from tools.popular import PopularTool
    from tools.retriever import RetrieverTool
    from tools.sid import SidTool
    from tools.user_simulator import UserSimulatorTool

    return [
        LookupTool,
        RetrieverTool,
        KgPathsTool,
        CollabTool,
        PopularTool,
        SidTool,
        UserSimulatorTool,
    ]


def default_registry(*, plugins: bool = True) -> ToolRegistry:
    """A new registry with the built-in tools and, unless ``plugins`` is false, the plug-ins."""
    registry = ToolRegistry()
    for cls in builtin_tools():
        registry.register(cls)
    if plugins:
        registry.load_plugins()
    return registry
