"""The ``surprise`` tool: a few lesser-known items, within optional filters."""

from __future__ import annotations

import random

from pydantic import BaseModel, ConfigDict, Field

from knowledge.filters import ItemFilter
from knowledge.items import Item
from tools.base import ItemRef, Tool


class SurpriseInput(BaseModel):
    """How many items, within which filters, and which seed."""

    model_config = ConfigDict(extra="forbid")

    k: int = Field(default=3, ge=1, le=20, description="number of items to pick")
    filters: ItemFilter = Field(default_factory=ItemFilter, description="hard constraints")
    exclude_ids: list[str] = Field(default_factory=list, description="item ids never to pick")
    seed: int = Field(default=0, description="same seed, same picks")


class SurpriseOutput(BaseModel):
    """The picked items."""

    items: list[ItemRef] = Field(default_factory=list)


class SurpriseTool(Tool[SurpriseInput, SurpriseOutput]):
    """Pick lesser-known items: the least connected half of the catalog, at random."""

    name = "surprise"
    description = (
        "Surprise the user: pick k lesser-known catalog items (few known people and genres), "
        "optionally within hard filters. Use when the user asks for something unexpected."
    )
    Input = SurpriseInput
    Output = SurpriseOutput
    # A ranker: the agent asks it for candidates on every recommendation and fuses its list.
    roles = frozenset({"rank"})

    _obscure: list[Item]

    def setup(self) -> None:
        """Order the catalog from the least to the most described items."""
        items = sorted(
            self.catalog, key=lambda it: (sum(map(len, it.attributes.values())), it.item_id)
        )
        self._obscure = items[: max(1, len(items) // 2)]

    def run(self, data: SurpriseInput) -> SurpriseOutput:
        """Sample ``k`` matching items from the lesser-known half."""
        excluded = set(data.exclude_ids)
        pool = [
            it for it in self._obscure if it.item_id not in excluded and data.filters.matches(it)
        ]
        picks = random.Random(data.seed).sample(pool, min(data.k, len(pool)))
        return SurpriseOutput(items=[ItemRef.of(it) for it in picks])

    def summarize(self, output: SurpriseOutput) -> str:
        """The picks, one per line."""
        return (
            "\n".join(f"- {i.display_title} [{i.item_id}]" for i in output.items)
            or "Nothing matches."
        )
