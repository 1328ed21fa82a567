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
        to_langchain(tool) for name, tool in toolbox.tools.items() if "simulate" not in tool.roles
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
        tool.name: chat.bind_tools(
            [tool], tool_choice={"type": "function", "function": {"name": tool.name}}
        )
        for tool in tools
    }
    return PlannerModel(chat, chat.bind_tools(tools, tool_choice="auto"), forced)
