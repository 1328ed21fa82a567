"""The ``sid`` tool: generative retrieval with semantic IDs (next items after a history)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from knowledge.items import normalize_text
from tools.base import ItemRef, Tool, ToolError, ToolInputError

if TYPE_CHECKING:
    from knowledge.sid.generator import SIDGenerator

SUBDIR = "sid"


class SidInput(BaseModel):
    """A history of liked items (ids or titles), how many to generate, what to leave out."""

    model_config = ConfigDict(extra="forbid")

    history: list[str] = Field(
        min_length=1, max_length=200, description="liked items, oldest first: item ids or titles"
    )
    k: int = Field(default=10, ge=1, le=200, description="number of items to generate")
    exclude_ids: list[str] = Field(
        default_factory=list, description="item ids pruned during decoding (seen, disliked)"
    )


class GeneratedItem(BaseModel):
    """A generated item and its log-probability under the sequence model."""

    item: ItemRef
    score: float = Field(description="log-probability of the item's semantic ID")


class SidOutput(BaseModel):
    """Generated next items, most likely first: every one a real catalog item."""

    items: list[GeneratedItem] = Field(default_factory=list)
    unresolved: list[str] = Field(default_factory=list, description="history entries not found")


class SidTool(Tool[SidInput, SidOutput]):
    """Beam search over semantic IDs, constrained to the trie of real items."""

    name = "sid"
    description = (
        "Generate the items most likely to come next after a user's liked items, with a "
        "sequence model over semantic IDs trained on interaction histories (collaborative "
        "signal). Decoding is constrained to real catalog items; excluded items are pruned."
    )
    Input = SidInput
    Output = SidOutput
    roles = frozenset({"rank"})

    _generator: SIDGenerator

    def is_available(self) -> bool:
        """True when the pack holds a trained generator (`parley train-sid`)."""
        path = getattr(self.source, "path", None)
        return path is not None and (Path(path) / SUBDIR).is_dir()

    def setup(self) -> None:
        """Load the frozen RQ-VAE, the semantic IDs and the sequence model from the pack."""
        if not self.is_available():
            raise ToolError("this pack has no semantic-ID model: run `parley train-sid --pack DIR`")
        from knowledge.sid.artifacts import load_generator

        self._generator = load_generator(Path(self.source.path) / SUBDIR)  # type: ignore[attr-defined]
        self._titles: dict[str, str] = {}
        for item in self.catalog:
            self._titles.setdefault(normalize_text(item.display_title), item.item_id)
            self._titles.setdefault(normalize_text(item.title), item.item_id)

    def run(self, data: SidInput) -> SidOutput:
        """Generate ``k`` next items after the history."""
        history, unresolved = [], []
        for entry in data.history:
            item_id = entry if entry in self.catalog else self._titles.get(normalize_text(entry))
            if item_id is None:
                unresolved.append(entry)
            else:
                history.append(item_id)
        if not history:
            raise ToolInputError(
                self.name, f"no history entry is a catalog item: {data.history}", "history"
            )
        found = self._generator.recommend(history, data.k, data.exclude_ids)
        items = [
            GeneratedItem(item=ItemRef.of(self.catalog[r.item_id]), score=round(float(r.score), 4))
            for r in found
            if r.item_id in self.catalog
        ]
        return SidOutput(items=items, unresolved=unresolved)

    def ranking(self, output: SidOutput) -> list[tuple[str, float]]:
        """Generated items with their log-probabilities."""
        return [(g.item.item_id, g.score) for g in output.items]

    def summarize(self, output: SidOutput) -> str:
        """The generated items, one per line."""
        return (
            "\n".join(f"- {g.item.display_title} [{g.item.item_id}]" for g in output.items)
            or "Nothing."
        )
