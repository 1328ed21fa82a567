"""The ``popular`` tool: the best-known items, within filters (a prior and a fallback)."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

from knowledge.filters import ItemFilter
from knowledge.items import Item
from tools.base import ItemRef, Tool


class PopularInput(BaseModel):
    """How many items, within which filters, leaving out which ids."""

    model_config = ConfigDict(extra="forbid")

    k: int = Field(default=10, ge=1, le=500, description="number of items to return")
    filters: ItemFilter = Field(default_factory=ItemFilter, description="hard constraints")
    exclude_ids: list[str] = Field(default_factory=list, description="item ids never to return")
    wanted: dict[str, list[str]] = Field(
        default_factory=dict,
        description=(
            "soft wishes, attribute to values (e.g. {'genre': ['documentary']}): items that "
            "meet more of the attributes come first, each by popularity"
        ),
    )
    together: list[str] = Field(
        default_factory=list,
        max_length=20,
        description=(
            "genres of the wishes asked for side by side, as one kind of film (e.g. "
            "['horror', 'comedy'] for 'a horror comedy'): among items meeting as many wishes, "
            "those with more of these genres come first"
        ),
    )
    about_ids: list[str] = Field(
        default_factory=list,
        max_length=5000,
        description=(
            "ids of the items about a subject asked for (a heist, a twist ending): each "
            "counts as one more wish met"
        ),
    )


class PopularItem(BaseModel):
    """An item and its popularity."""

    item: ItemRef
    popularity: float = Field(description="the catalog's popularity, else the item's graph degree")


class PopularOutput(BaseModel):
    """Items by popularity, most popular first."""

    items: list[PopularItem] = Field(default_factory=list)


class PopularTool(Tool[PopularInput, PopularOutput]):
    """Rank items by popularity: the catalog's figure, or graph degree when it has none."""

    name = "popular"
    description = (
        "List the most popular catalog items, optionally within hard filters (attribute values "
        "to include or exclude, a year range). A prior for recommendations and a fallback when "
        "nothing is known about the user."
    )
    Input = PopularInput
    Output = PopularOutput
    roles = frozenset({"rank"})

    _ranked: list[tuple[Item, float]]
    _degree: dict[str, int]
    _values: dict[str, dict[str, set[str]]]
    """Per attribute, the ids of the items with each (lower-cased) value."""

    def setup(self) -> None:
        """Order the catalog once by popularity (graph degree breaks ties and fills gaps)."""
        graph = self.source.graph.graph
        self._degree = {i.item_id: graph.degree(f"item:{i.item_id}") for i in self.catalog}
        self._values = {}
        self.use_popularity({i.item_id: i.popularity or 0.0 for i in self.catalog})

    def use_popularity(self, popularity: Mapping[str, float]) -> None:
        """Rank by these popularity figures (graph degree where none is known). Training the
        learned fusion swaps in figures that leave out the dialogues it learns from."""
        has_popularity = any(popularity.values())

        def score(item: Item) -> float:
            if has_popularity:
                return float(popularity.get(item.item_id, 0.0))
            return float(self._degree[item.item_id])

        self._ranked = sorted(
            ((item, score(item)) for item in self.catalog),
            key=lambda pair: (-pair[1], -self._degree[pair[0].item_id], pair[0].item_id),
        )

    def run(self, data: PopularInput) -> PopularOutput:
        """The ``k`` most popular items that pass the filter; with wishes, the most popular of
        those that meet the most of them first ("a great documentary" gets the best-known
        documentaries, not the best-known films), and of those, the ones with more of the
        genres asked for together ("a horror comedy" gets the best-known horror comedies,
        not the best-known horror films). Being about a subject asked for (``about_ids``) is one
        more wish met: "a heist movie" gets *Ocean's Eleven* before *Heist*. The sort is
        stable: popularity breaks ties."""
        excluded = set(data.exclude_ids)
        ranked = self._ranked
        if data.wanted or data.about_ids:
            meeting = [self._having(name, values) for name, values in data.wanted.items()]
            if data.about_ids:
                meeting.append(set(data.about_ids))
            kinds = [self._having("genre", [genre]) for genre in data.together]

            def met(item: Item) -> tuple[int, int]:
                return (
                    sum(item.item_id in ids for ids in meeting),
                    sum(item.item_id in ids for ids in kinds),
                )

            ranked = sorted(ranked, key=lambda pair: tuple(-m for m in met(pair[0])))
        out: list[PopularItem] = []
        for item, score in ranked:
            if item.item_id in excluded or not data.filters.matches(item):
                continue
            out.append(PopularItem(item=ItemRef.of(item), popularity=score))
            if len(out) == data.k:
                break
        return PopularOutput(items=out)

    def _having(self, attribute: str, values: list[str]) -> set[str]:
        """Ids of the items with any of these values of an attribute (case-insensitive)."""
        index = self._values.get(attribute)
        if index is None:
            index = {}
            for item in self.catalog:
                for value in item.values(attribute):
                    index.setdefault(value.lower(), set()).add(item.item_id)
            self._values[attribute] = index
        return set().union(*(index.get(v.lower(), set()) for v in values))

    def ranking(self, output: PopularOutput) -> list[tuple[str, float]]:
        """Items with their popularity."""
        return [(p.item.item_id, p.popularity) for p in output.items]

    def summarize(self, output: PopularOutput) -> str:
        """The items, one per line."""
        return (
            "\n".join(f"- {p.item.display_title} [{p.item.item_id}]" for p in output.items)
            or "Nothing matches."
        )
