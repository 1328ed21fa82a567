"""The contract every tool's tests inherit, and the small catalog the tool tests share.

A tool's test class inherits `ToolContract` and provides three fixtures: ``tool`` (an
instance over a small knowledge source), ``valid_inputs`` (inputs that must run) and
``invalid_inputs`` (inputs paired with the field the error must name).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tools.base import TOOL_NAME, Tool, ToolInputError, referenced_item_ids
from tools.registry import check_tool_class


class ToolContract:
    """Checks every tool must pass; subclasses provide the three fixtures below."""

    @pytest.fixture
    def tool(self) -> Tool[Any, Any]:
        raise NotImplementedError("a tool's test class must provide the `tool` fixture")

    @pytest.fixture
    def valid_inputs(self) -> list[dict[str, Any]]:
        raise NotImplementedError("a tool's test class must provide `valid_inputs`")

    @pytest.fixture
    def invalid_inputs(self) -> list[tuple[Any, str]]:
        raise NotImplementedError(
            "a tool's test class must provide `invalid_inputs` (input, field)"
        )

    def test_contract_is_filled_in(self, tool: Tool[Any, Any]) -> None:
        check_tool_class(type(tool))
        assert TOOL_NAME.match(tool.name)
        assert len(tool.description) >= 40, "the description is what an LLM reads to choose a tool"

    def test_schemas_are_valid_json_schema(self, tool: Tool[Any, Any]) -> None:
        for model in (tool.Input, tool.Output):
            schema = model.model_json_schema()
            json.dumps(schema)
            assert schema["type"] == "object"
            assert schema["properties"]
        for name, info in tool.Input.model_fields.items():
            assert info.description, f"input field {name!r} needs a description (the LLM reads it)"

    def test_valid_inputs_run_and_round_trip(
        self, tool: Tool[Any, Any], valid_inputs: list[dict[str, Any]]
    ) -> None:
        assert valid_inputs
        for raw in valid_inputs:
            output = tool.invoke(raw)
            assert isinstance(output, tool.Output)
            assert tool.Output.model_validate_json(output.model_dump_json()) == output
            summary = tool.summarize(output)
            assert isinstance(summary, str) and summary.strip() and len(summary) < 4000

    def test_returned_items_exist_in_the_catalog(
        self, tool: Tool[Any, Any], valid_inputs: list[dict[str, Any]]
    ) -> None:
        returned: list[str] = []
        for raw in valid_inputs:
            returned.extend(referenced_item_ids(tool.invoke(raw)))
        assert returned, "the valid inputs should return at least one item"
        missing = [i for i in returned if i not in tool.catalog]
        assert not missing, f"items outside the catalog: {missing}"

    def test_bad_input_is_rejected_naming_the_field(
        self, tool: Tool[Any, Any], invalid_inputs: list[tuple[Any, str]]
    ) -> None:
        assert invalid_inputs
        for raw, field_name in invalid_inputs:
            with pytest.raises(ToolInputError) as caught:
                tool.invoke(raw)
            assert caught.value.field is not None and caught.value.field.startswith(field_name), (
                raw,
                caught.value.field,
            )
            assert repr(field_name) in str(caught.value) or field_name in str(caught.value)

    def test_unknown_fields_are_rejected(
        self, tool: Tool[Any, Any], valid_inputs: list[dict[str, Any]]
    ) -> None:
        with pytest.raises(ToolInputError, match="no_such_field"):
            tool.invoke({**valid_inputs[0], "no_such_field": 1})

    def test_input_must_be_an_object(self, tool: Tool[Any, Any]) -> None:
        with pytest.raises(ToolInputError):
            tool.invoke("[1, 2]")
        with pytest.raises(ToolInputError):
            tool.invoke("{not json")

    def test_setup_is_lazy(self, tool: Tool[Any, Any]) -> None:
        fresh = type(tool)(tool.source)
        assert not fresh._ready
