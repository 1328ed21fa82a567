"""The tool registry: built-ins, entry-point plug-ins, failures that do not stop Parley."""

from __future__ import annotations

import logging
from importlib import metadata

import pytest
from pydantic import BaseModel

from tools.base import Tool
from tools.registry import ENTRY_POINT_GROUP, ToolRegistry, UnknownToolError, default_registry


class EchoInput(BaseModel):
    text: str


class EchoOutput(BaseModel):
    text: str


class EchoTool(Tool[EchoInput, EchoOutput]):
    """A plug-in defined here so that an entry point can name it."""

    name = "echo"
    description = "Repeat the text back; a test plug-in."
    Input = EchoInput
    Output = EchoOutput

    def run(self, data: EchoInput) -> EchoOutput:
        return EchoOutput(text=data.text)


class Misnamed(EchoTool):
    name = "other"


def entry_points(*pairs: tuple[str, str]) -> object:
    points = [metadata.EntryPoint(name, value, ENTRY_POINT_GROUP) for name, value in pairs]
    return lambda group: points if group == ENTRY_POINT_GROUP else []


def test_builtins_are_registered_in_order() -> None:
    registry = default_registry(plugins=False)
    assert registry.names()[:3] == ["lookup", "retriever", "kg_paths"]
    assert all(spec.origin == "built-in" for spec in registry.specs())


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(UnknownToolError) as caught:
        default_registry(plugins=False).get("lokup")
    assert "lokup" in str(caught.value)
    assert "kg_paths, lookup, popular, retriever, sid" in str(caught.value)


def test_plugins_load_from_entry_points() -> None:
    registry = default_registry(plugins=False)
    registry.load_plugins(entry_points=entry_points(("echo", f"{__name__}:EchoTool")))
    assert registry.names()[-1] == "echo"
    assert registry.get("echo").cls is EchoTool
    assert not registry.failures


def test_a_failing_plugin_is_logged_and_skipped(caplog: pytest.LogCaptureFixture) -> None:
    registry = default_registry(plugins=False)
    broken = entry_points(
        ("aaa", "no_such_module_for_parley_tests:Tool"),  # import fails
        ("bbb", f"{__name__}:EchoInput"),  # not a tool
        ("ccc", f"{__name__}:Misnamed"),  # entry point and tool names differ
        ("lookup", f"{__name__}:EchoTool"),  # tries to shadow a built-in (and is misnamed)
        ("echo", f"{__name__}:EchoTool"),  # fine
    )
    with caplog.at_level(logging.WARNING, logger="tools.registry"):
        registry.load_plugins(entry_points=broken)
    assert registry.names() == [
        "lookup",
        "retriever",
        "kg_paths",
        "collab",
        "popular",
        "sid",
        "user_simulator",
        "echo",
    ]
    assert [f.entry_point for f in registry.failures] == ["aaa", "bbb", "ccc", "lookup"]
    assert "ModuleNotFoundError" in registry.failures[0].reason
    assert "not a subclass" in registry.failures[1].reason
    assert len([r for r in caplog.records if "skipping tool plug-in" in r.message]) == 4


def test_register_rejects_duplicates_and_incomplete_tools() -> None:
    registry = ToolRegistry()
    registry.register(EchoTool)
    with pytest.raises(ValueError, match="already registered"):
        registry.register(EchoTool)

    class NoDescription(EchoTool):
        name = "nodesc"
        description = " "

    with pytest.raises(TypeError, match="description"):
        registry.register(NoDescription)


def test_tool_names_are_checked_when_the_class_is_defined() -> None:
    with pytest.raises(TypeError, match="must match"):

        class BadName(EchoTool):
            name = "Bad Name"
