"""A LangChain chat model with the registry's tools bound: what the LLM planner talks to.

Only a served model (vLLM, llama.cpp's server, any OpenAI-compatible endpoint with tool
calling) can plan: the request carries the tools' JSON schemas and ``tool_choice: auto``.
vLLM needs ``--enable-auto-tool-choice`` and a ``--tool-call-parser`` for the model family;
llama.cpp's server needs a chat format with function calling
(``--chat_format chatml-function-calling``, grammar-constrained, fine for small models).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from agent.context import AgentSettings
from agent.llm import ChatLLM, OpenAICompatibleLLM
from agent.toolbox import Toolbox
from tools.langchain import to_langchain

log = logging.getLogger(__name__)


@dataclass
class PlannerModel:
    """The chat model with every tool bound (``invoke``), and bound to each one alone with
    that tool forced (``tools[name]``, for the ``pick`` way of planning)."""

    chat: Any
    bound: Any
    tools: dict[str, Any]

    def invoke(self, messages: Any) -> Any:
        """The model's next message, free to call any tool."""
        return self.bound.invoke(messages)


def planner_model(llm: ChatLLM, toolbox: Toolbox, settings: AgentSettings) -> PlannerModel | None:
    """``ChatOpenAI`` bound to every tool but the user simulator; ``None`` when ``llm`` is
    not an OpenAI-compatible server (or langchain-openai is missing)."""
    if not isinstance(llm, OpenAICompatibleLLM):
        log.warning("the LLM planner needs a served model (--llm URL); using the policy")
        return None
    try:
        from langchain_openai import ChatOpenAI
    except ImportError:
        log.warning("the LLM planner needs langchain-openai: pip install langchain-openai")
        return None
    tools = [
        for_model(to_langchain(tool))
        for name, tool in toolbox.tools.items()
        if "simulate" not in tool.roles
    ]
    chat = ChatOpenAI(
        base_url=llm.base_url,
        model=llm.model,
        api_key=llm.api_key or "not-needed",  # type: ignore[arg-type]
        temperature=0.0,
        max_tokens=settings.max_tokens,  # type: ignore[call-arg]
        timeout=settings.planner_seconds,
        max_retries=0,
    )
    forced = {
        spec["function"]["name"]: chat.bind_tools(
            [spec], tool_choice={"type": "function", "function": {"name": spec["function"]["name"]}}
        )
        for spec in tools
    }
    return PlannerModel(chat, chat.bind_tools(tools, tool_choice="auto"), forced)


MODEL_MAX_CHARS = 120
"""Longest string the model may write into a tool argument."""
MODEL_MAX_ITEMS = 20
"""Longest list the model may write into a tool argument."""


def for_model(tool: Any) -> dict[str, Any]:
    """The OpenAI tool description of a LangChain tool, with short size limits.

    A grammar-constrained server (llama.cpp) unrolls a bounded string into one rule per
    character and refuses a grammar past a few thousand (a 4,000-character bound kills
    its process), while an unbounded string lets a small model write until the context
    is full. So every string the model writes is bounded by `MODEL_MAX_CHARS` and every
    list by `MODEL_MAX_ITEMS`; the tool still checks its own limits when it is called.
    """
    from langchain_core.utils.function_calling import convert_to_openai_tool

    spec = convert_to_openai_tool(tool)
    _bound(spec["function"].get("parameters", {}))
    return spec


def _bound(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "string" and "enum" not in node:
            node["maxLength"] = min(int(node.get("maxLength", MODEL_MAX_CHARS)), MODEL_MAX_CHARS)
        if node.get("type") == "array":
            node["maxItems"] = min(int(node.get("maxItems", MODEL_MAX_ITEMS)), MODEL_MAX_ITEMS)
        for value in node.values():
            _bound(value)
    elif isinstance(node, list):
        for value in node:
            _bound(value)
