"""The ``collab`` tool: items people like together with the ones the user likes.

It reads the pack's collaborative model (`knowledge.collab`, learned by ``parley build
--interactions ...``); a pack built without interactions has no model and no ``collab``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from knowledge.collab import CollabModel
from knowledge.filters import ItemFilter
from tools.base import ItemRef, Tool, ToolInputError


class CollabInput(BaseModel):
    """Liked items, how many to return, what to leave out."""

    model_config = ConfigDict(extra="forbid")

    history: list[str] = Field(
        min_length=1, max_length=200, description="ids of items the user likes"
    )
    k: int = Field(default=10, ge=1, le=200, description="number of items to return")
    filters: ItemFilter = Field(default_factory=ItemFilter, description="hard constraints")
    exclude_ids: list[str] = Field(default_factory=list, description="item ids never to return")


class CollabItem(BaseModel):
    """An item and why people who liked the history like it too."""

    item: ItemRef
    score: float = Field(description="summed item-to-item weights from the liked items")
    because: list[ItemRef] = Field(
        default_factory=list, description="the liked items that point at it, strongest first"
    )


class CollabOutput(BaseModel):
    """Items people like together with the history, best first."""

    items: list[CollabItem] = Field(default_factory=list)


class CollabTool(Tool[CollabInput, CollabOutput]):
    """Recommend what people who liked the same items also liked."""

    name = "collab"
    description = (
        "Given items the user likes (catalog ids), list items that people who liked them also "
        "liked, learned from real interactions (ratings, dialogues). Respects hard filters "
        "and excluded ids."
    )
    Input = CollabInput
    Output = CollabOutput
    roles = frozenset({"rank", "explain"})

    model: CollabModel

    def is_available(self) -> bool:
        """Only packs built with interactions have a model."""
        return bool(getattr(self.source, "manifest", {}).get("collab"))

    def setup(self) -> None:
        """Load the model from the pack."""
        model = getattr(self.source, "collab", None)
        if model is None:
            raise ToolInputError(self.name, "this pack has no collaborative model")
        self.model = model

    def run(self, data: CollabInput) -> CollabOutput:
        """The best ``k`` items for the history that pass the filters."""
        liked = [i for i in data.history if i in self.catalog]
        if not liked:
            raise ToolInputError(
                self.name, f"no history entry is a catalog item: {data.history[:5]}", "history"
            )
        out: list[CollabItem] = []
        for item_id, score in self.model.top(liked, 4 * data.k + 50, data.exclude_ids):
            item = self.catalog.get(item_id)
            if item is None or not data.filters.matches(item):
                continue
            because = [ItemRef.of(self.catalog[i]) for i, _ in self.model.because(liked, item_id)]
            out.append(CollabItem(item=ItemRef.of(item), score=round(score, 5), because=because))
            if len(out) == data.k:
                break
        return CollabOutput(items=out)

    def ranking(self, output: CollabOutput) -> list[tuple[str, float]]:
        """Items with their collaborative scores."""
        return [(c.item.item_id, c.score) for c in output.items]

    def summarize(self, output: CollabOutput) -> str:
        """One line per item, with the liked items behind it."""
        lines = []
        for c in output.items:
            why = ", ".join(r.display_title for r in c.because[:2])
            lines.append(f"{c.item.display_title} [{c.item.item_id}] {c.score:.3f} (from {why})")
        return "\n".join(lines) or "Nothing people liked together with these items."
