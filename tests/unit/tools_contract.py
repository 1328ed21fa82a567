"""The contract every tool's tests inherit, and the small catalog the tool tests share.

A tool's test class inherits `ToolContract` and provides three fixtures: ``tool`` (an
instance over a small knowledge source), ``valid_inputs`` (inputs that must run) and
``invalid_inputs`` (inputs paired with the field the error must name).
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from knowledge.filters import ItemFilter
from knowledge.graph import KnowledgeGraph
from knowledge.index import Hit
from knowledge.items import Catalog, Item, iter_jsonl_lines
from knowledge.pack import GRAPH, ITEMS, MANIFEST, PACK_FORMAT
from tools.base import TOOL_NAME, Tool, ToolInputError, referenced_item_ids
from tools.registry import check_tool_class


def _item(
    item_id: str,
    title: str,
    year: int | None,
    description: str = "",
    popularity: float | None = None,
    **attributes: list[str],
) -> Item:
    return Item(
        item_id=item_id,
        title=title,
        year=year,
        attributes=attributes,
        description=description,
        popularity=popularity,
    )


def small_items() -> list[Item]:
    """Fourteen films: a director with four, a remake pair, common-word titles, shared actors."""
    nolan = ["Christopher Nolan"]
    return [
        _item(
            "inception",
            "Inception",
            2010,
            "A thief steals secrets by entering people's dreams.",
            director=nolan,
            writer=nolan,
            star=["Leonardo DiCaprio", "Joseph Gordon-Levitt"],
            genre=["action", "sci-fi"],
        ),
        _item(
            "interstellar",
            "Interstellar",
            2014,
            "Astronauts travel through a wormhole near Saturn.",
            director=nolan,
            writer=["Jonathan Nolan", "Christopher Nolan"],
            star=["Matthew McConaughey", "Anne Hathaway", "Michael Caine"],
            genre=["adventure", "drama", "sci-fi"],
        ),
        _item(
            "dark-knight",
            "The Dark Knight",
            2008,
            "Batman faces the Joker in Gotham.",
            director=nolan,
            star=["Christian Bale", "Heath Ledger", "Michael Caine"],
            genre=["action", "crime", "drama"],
        ),
        _item(
            "dark-knight-rises",
            "The Dark Knight Rises",
            2012,
            "Batman returns to fight Bane.",
            director=nolan,
            star=["Christian Bale", "Tom Hardy", "Michael Caine"],
            genre=["action", "drama"],
        ),
        _item(
            "dune-1984",
            "Dune",
            1984,
            "A noble heir fights for a desert planet.",
            popularity=40.0,
            director=["David Lynch"],
            star=["Kyle MacLachlan"],
            genre=["adventure", "sci-fi"],
        ),
        _item(
            "dune-2021",
            "Dune",
            2021,
            "A young heir is drawn into a war over a desert planet.",
            popularity=95.0,
            director=["Denis Villeneuve"],
            star=["Timothée Chalamet"],
            genre=["adventure", "drama", "sci-fi"],
        ),
        _item(
            "titanic",
            "Titanic",
            1997,
            "A young couple falls in love aboard a doomed ship.",
            director=["James Cameron"],
            star=["Leonardo DiCaprio", "Kate Winslet"],
            genre=["drama", "romance"],
        ),
        _item(
            "it",
            "It",
            2017,
            "Children face a shape-shifting clown in their town.",
            director=["Andy Muschietti"],
            genre=["horror"],
        ),
        _item(
            "up",
            "Up",
            2009,
            "An old man ties balloons to his house and flies away.",
            director=["Pete Docter"],
            genre=["animation", "adventure", "comedy"],
        ),
        _item(
            "forrest-gump",
            "Forrest Gump",
            1994,
            "A kind man witnesses decades of history.",
            director=["Robert Zemeckis"],
            star=["Tom Hanks"],
            genre=["comedy", "drama", "romance"],
        ),
        _item(
            "cast-away",
            "Cast Away",
            2000,
            "A courier is stranded on an island.",
            director=["Robert Zemeckis"],
            star=["Tom Hanks"],
            genre=["adventure", "drama"],
        ),
        _item(
            "toy-story",
            "Toy Story",
            1995,
            "Toys come to life when nobody is looking.",
            director=["John Lasseter"],
            star=["Tom Hanks"],
            genre=["animation", "comedy"],
            tag=["toys"],
        ),
        _item(
            "notebook",
            "The Notebook",
            2004,
            "A poor young man and a rich young woman fall in love.",
            director=["Nick Cassavetes"],
            star=["Ryan Gosling"],
            genre=["drama", "romance"],
        ),
        _item(
            "heat",
            "Heat",
            1995,
            "A detective hunts a crew of professional thieves in Los Angeles.",
            director=["Michael Mann"],
            star=["Al Pacino", "Robert De Niro"],
            genre=["crime", "drama"],
        ),
    ]


def small_catalog() -> Catalog:
    """The catalog of `small_items`."""
    return Catalog(small_items(), name="small")


class HashingEmbedder:
    """A deterministic stand-in for the sentence embedder: hashed bag of words, unit norm."""

    dimension = 64

    def encode_one(self, text: str) -> np.ndarray:
        """Embed one text."""
        vector = np.zeros(self.dimension, dtype=np.float32)
        for word in text.lower().split():
            vector[zlib.crc32(word.strip(".,!?'").encode()) % self.dimension] += 1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector


class BruteForceIndex:
    """A stand-in for `knowledge.index.VectorIndex`: exact search with the same filter semantics."""

    def __init__(self, catalog: Catalog, embedder: HashingEmbedder) -> None:
        self.catalog = catalog
        self.embedder = embedder
        self.vectors = np.stack([embedder.encode_one(i.embedding_text()) for i in catalog])
        self.collection = object()

    def query(
        self,
        query: str | np.ndarray,
        k: int = 10,
        *,
        where: ItemFilter | None = None,
        exclude_ids: Any = (),
    ) -> list[Hit]:
        """Nearest items that pass the filter."""
        vector = self.embedder.encode_one(query) if isinstance(query, str) else query
        scores = self.vectors @ vector
        hits = [
            Hit(item.item_id, float(scores[row]))
            for row, item in enumerate(self.catalog)
            if item.item_id not in set(exclude_ids) and (where is None or where.matches(item))
        ]
        return sorted(hits, key=lambda h: -h.score)[:k]


@dataclass
class SmallSource:
    """A knowledge source without a pack folder: catalog, graph, and a brute-force index."""

    catalog: Catalog = field(default_factory=small_catalog)

    def __post_init__(self) -> None:
        self.graph = KnowledgeGraph.from_catalog(self.catalog)
        self.index = BruteForceIndex(self.catalog, HashingEmbedder())

    def item_embeddings(self) -> np.ndarray:
        """Item vectors in catalog order."""
        return self.index.vectors


def write_small_pack(folder: Path) -> Path:
    """A pack without embeddings or index: enough for lookup and kg_paths."""
    catalog = small_catalog()
    folder.mkdir()
    (folder / ITEMS).write_text("".join(line + "\n" for line in iter_jsonl_lines(catalog)))
    KnowledgeGraph.from_catalog(catalog).save(folder / GRAPH)
    manifest = {
        "format": PACK_FORMAT,
        "items": len(catalog),
        "catalog_name": "small",
        "index": {"backend": "persistent", "collection": "none"},
        "embedding_model": "none",
    }
    (folder / MANIFEST).write_text(json.dumps(manifest))
    return folder


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
