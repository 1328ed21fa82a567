"""What every node receives besides the state: settings, tools, the LLM, the grounding check."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from agent.context import AgentSettings
from agent.grounding import GroundingCheck
from agent.llm import ChatLLM, NoLLM
from agent.toolbox import Toolbox
from knowledge.items import Catalog
from knowledge.lexicon import english_ranks
from tools.lookup import LookupOutput


@dataclass
class AgentContext:
    """The run-time context of the graph (LangGraph ``context``); never checkpointed."""

    toolbox: Toolbox
    llm: ChatLLM = field(default_factory=NoLLM)
    settings: AgentSettings = field(default_factory=AgentSettings)
    user_id: str = "local"
    """Whose long-term profile to read and update."""

    @property
    def catalog(self) -> Catalog:
        """The catalog of the pack the tools read."""
        return self.toolbox.source.catalog

    @cached_property
    def grounding(self) -> GroundingCheck:
        """The grounding check, linking replies through the ``lookup`` tool."""
        lookup = self.toolbox.tools["lookup"]

        def link(text: str) -> LookupOutput:
            output = lookup.invoke({"text": text, "facts": False, "min_confidence": 0.75})
            assert isinstance(output, LookupOutput)
            return output

        genres = self.catalog.attribute_values("genre")
        return GroundingCheck(link, english_ranks(), genres=genres)
