"""Adapt Parley tools to LangChain tools: the model reads a short text, the agent gets the data.

Each adapted tool uses ``response_format="content_and_artifact"``: the `ToolMessage`'s
``content`` is the tool's `summarize` text, and its ``artifact`` is the tool's output as
JSON-compatible data (``Output.model_dump(mode="json")``), which survives a LangGraph
checkpointer; `read_artifact` turns it back into the typed ``Output`` model.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool, StructuredTool, ToolException
from pydantic import BaseModel, ValidationError

from knowledge.errors import ParleyError
from tools.base import KnowledgeSource, Tool, input_error
from tools.registry import ToolRegistry

ModelT = TypeVar("ModelT", bound=BaseModel)


def to_langchain(tool: Tool[Any, Any]) -> BaseTool:
    """Wrap one tool as a LangChain `StructuredTool` returning ``(summary, output data)``."""

    def call(**kwargs: Any) -> tuple[str, dict[str, Any]]:
        try:
            output = tool.invoke(kwargs)
        except ParleyError as exc:  # bad input or an expected failure: tell the model
            raise ToolException(str(exc)) from exc
        return tool.summarize(output), output.model_dump(mode="json")

    def explain(exc: ValidationError) -> str:
        return str(input_error(tool.name, exc))

    return StructuredTool.from_function(
        func=call,
        name=tool.name,
        description=tool.description,
        args_schema=tool.Input,
        response_format="content_and_artifact",
        handle_validation_error=explain,
        handle_tool_error=True,
    )


def langchain_tools(
    registry: ToolRegistry, source: KnowledgeSource, names: Iterable[str] | None = None
) -> list[BaseTool]:
    """LangChain tools for the registry's tools (all of them, plug-ins included, by default)."""
    return [to_langchain(tool) for tool in registry.create_all(source, names)]


def read_artifact(message: ToolMessage | Any, model: type[ModelT]) -> ModelT:
    """The typed output carried by a tool message's artifact (or by the artifact itself)."""
    artifact = message.artifact if isinstance(message, ToolMessage) else message
    if isinstance(artifact, model):
        return artifact
    return model.model_validate(artifact)
