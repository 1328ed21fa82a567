"""The LangChain adapter: short text for the model, structured output as the artifact."""

from __future__ import annotations

from langchain_core.messages import ToolMessage

from tests.fixtures.sources import SmallSource
from tools.kg_paths import KgPathsOutput
from tools.langchain import langchain_tools, read_artifact, to_langchain
from tools.lookup import LookupTool
from tools.registry import default_registry


def call(tool: object, args: dict[str, object]) -> ToolMessage:
    message = tool.invoke({"type": "tool_call", "id": "call-1", "name": tool.name, "args": args})  # type: ignore[attr-defined]
    assert isinstance(message, ToolMessage)
    return message


def test_content_is_short_text_and_artifact_is_the_output() -> None:
    tools = {t.name: t for t in langchain_tools(default_registry(plugins=False), SmallSource())}
    assert list(tools) == [
        "lookup",
        "retriever",
        "kg_paths",
        "collab",
        "popular",
        "sid",
        "user_simulator",
    ]
    message = call(
        tools["kg_paths"], {"sources": ["Inception (2010)"], "targets": ["Interstellar (2014)"]}
    )
    assert message.status == "success"
    assert "shares director Christopher Nolan with Inception (2010)" in message.content
    output = read_artifact(message, KgPathsOutput)
    assert output.results[0].entity.item is not None
    assert output.results[0].entity.item.item_id == "interstellar"
    assert isinstance(message.artifact, dict)  # JSON data: safe in any checkpointer


def test_schema_seen_by_the_model_is_the_input_model() -> None:
    tool = to_langchain(LookupTool(SmallSource()))
    schema = tool.tool_call_schema.model_json_schema()  # type: ignore[union-attr]
    assert set(schema["properties"]) == {
        "text",
        "kinds",
        "min_confidence",
        "max_candidates",
        "facts",
    }
    assert schema["required"] == ["text"]


def test_bad_input_becomes_an_error_message_naming_the_field() -> None:
    tool = to_langchain(LookupTool(SmallSource()))
    message = call(tool, {"text": "x", "min_confidence": 5})
    assert message.status == "error"
    assert "min_confidence" in str(message.content)
    message = call(tool, {"text": "x", "kinds": ["movie"]})
    assert message.status == "error"
    assert "kinds" in str(message.content)
