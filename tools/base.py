"""The tool contract: a named, described, typed callable with lazy setup."""

from __future__ import annotations

import logging
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.fields import FieldInfo

from knowledge.errors import ParleyError
from knowledge.filters import ItemFilter
from knowledge.items import Catalog, Item

if TYPE_CHECKING:
    import numpy as np

    from knowledge.graph import KnowledgeGraph
    from knowledge.index import VectorIndex
    from knowledge.linker import EntityLinker

log = logging.getLogger(__name__)

TOOL_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
"""Tool names: what LLM providers accept as function names, lowercased."""


class KnowledgeSource(Protocol):
    """What tools read: a catalog plus its graph and vector index (a `knowledge.pack.Pack`).

    Tools touch ``graph``, ``linker``, ``index`` and ``item_embeddings()`` only when they
    need them, so a test can pass a small object that has just a catalog (and a graph).
    """

    @property
    def catalog(self) -> Catalog: ...

    @property
    def graph(self) -> KnowledgeGraph: ...

    @property
    def linker(self) -> EntityLinker:
        """The entity linker of the catalog, built once and shared by the tools."""
        ...

    @property
    def index(self) -> VectorIndex: ...

    def item_embeddings(self) -> np.ndarray: ...


def linker_of(source: KnowledgeSource) -> EntityLinker:
    """The source's shared entity linker; a source without one (a bare catalog in a test)
    gets its own, from the graph when it has one."""
    shared = getattr(source, "linker", None)
    if shared is not None:
        return shared
    from knowledge.lexicon import english_ranks
    from knowledge.linker import EntityLinker

    graph = getattr(source, "graph", None)
    return EntityLinker(source.catalog, graph, word_ranks=english_ranks())


class ToolInputError(ParleyError):
    """A tool was given input that does not match its ``Input`` model; names the field."""

    def __init__(self, tool: str, message: str, field: str | None = None) -> None:
        self.tool = tool
        self.field = field
        self.message = message
        super().__init__(f"{tool}: invalid input: {message}")


class ToolError(ParleyError):
    """A tool could not do what it was asked (a user-facing, expected failure)."""


class ItemRef(BaseModel):
    """A catalog item as tools return it: its id and how to show it."""

    model_config = ConfigDict(frozen=True)

    item_id: str = Field(description="catalog item id")
    title: str = Field(description="display title, without the year")
    year: int | None = Field(default=None, description="release year, when known")

    @classmethod
    def of(cls, item: Item) -> ItemRef:
        """Make a reference to a catalog item."""
        return cls(item_id=item.item_id, title=item.title, year=item.year)

    @property
    def display_title(self) -> str:
        """``Title (Year)``, or the bare title when the year is unknown."""
        return f"{self.title} ({self.year})" if self.year else self.title


class ToolAnswer(BaseModel):
    """An answering tool's answer to a question, as the agent passes it on."""

    text: str = Field(description="the answer, one or two sentences")
    items: list[ItemRef] = Field(default_factory=list, description="catalog items it is about")
    tool: str = Field(default="", description="the tool that answered")


def input_error(tool: str, exc: ValidationError) -> ToolInputError:
    """Turn a pydantic error into a `ToolInputError` that names the first bad field."""
    lines = []
    first_field: str | None = None
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"]) or "(input)"
        first_field = first_field or loc
        lines.append(f"field {loc!r}: {err['msg']}")
    return ToolInputError(tool, "; ".join(lines), first_field)


def referenced_item_ids(value: object) -> Iterator[str]:
    """Yield every catalog item id an output refers to (each `ItemRef`, at any depth)."""
    if isinstance(value, ItemRef):
        yield value.item_id
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from referenced_item_ids(getattr(value, name))
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from referenced_item_ids(v)
    elif isinstance(value, list | tuple | set | frozenset):
        for v in value:
            yield from referenced_item_ids(v)


Role = Literal["rank", "answer", "link", "explain", "simulate"]
"""What a tool is for. ``rank``: it ranks catalog items for a user, and the agent fuses its
ranking into every candidate pool; ``answer``: it answers questions about items; ``link``:
it finds catalog entities in text; ``explain``: it gives reasons; ``simulate``: it plays
a user in offline evaluation."""


@dataclass(frozen=True)
class RankRequest:
    """What the agent knows when it asks its rankers for candidates: every ranker gets the
    same request and takes what it can use (`Tool.rank_input`)."""

    text: str = ""
    """The user's wishes in words: notes, wanted values, descriptions of liked items."""
    liked: tuple[str, ...] = ()
    """Ids of the items the user likes, oldest first."""
    sources: tuple[str, ...] = ()
    """Graph entities the user likes: ``item:ID``, ``person:name``, ``genre:name``..."""
    filters: ItemFilter = field(default_factory=ItemFilter)
    """Hard constraints every candidate must meet."""
    exclude: tuple[str, ...] = ()
    """Item ids never to return (shown, disliked, seen, liked)."""
    k: int = 60
    """How many items each ranker returns."""
    wanted: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Soft wishes, attribute to values (``{"genre": ["comedy"]}``): what the user asked for
    but did not make a hard constraint."""
    together: tuple[str, ...] = ()
    """Genres of ``wanted`` asked for side by side ("a horror comedy"): one kind of film,
    so a film of more of them meets the wish better."""
    about: tuple[str, ...] = ()
    """Ids of the items about a subject the user asked for ("a heist movie", "something
    weird"): a wish the attributes cannot say."""


# Input fields a ranker may declare, and the request value each one gets.
_REQUEST_FIELDS: dict[str, Callable[[RankRequest], object]] = {
    "k": lambda r: r.k,
    "exclude_ids": lambda r: list(r.exclude),
    "filters": lambda r: r.filters.model_dump(),
    "text": lambda r: r.text[:4000],
    "history": lambda r: list(r.liked[-20:]),
    "sources": lambda r: list(r.sources[-50:]),
    "wanted": lambda r: {a: list(v) for a, v in r.wanted.items() if v},
    "together": lambda r: list(r.together),
    "about_ids": lambda r: list(r.about),
}


InputT = TypeVar("InputT", bound=BaseModel)
OutputT = TypeVar("OutputT", bound=BaseModel)


class Tool(ABC, Generic[InputT, OutputT]):
    """Base class of every tool: a name, a description, typed input and output, one `run`.

    Subclasses set the class attributes and implement `run` (and `setup` when they have
    expensive state to build: it runs once, on first use, never in ``__init__``).
    Callers use `invoke`, which validates raw input and runs `setup` first.
    """

    name: ClassVar[str]
    """Registry name: lowercase letters, digits and underscores."""
    description: ClassVar[str]
    """What the tool does and when to use it; an LLM reads this to choose tools."""
    Input: type[InputT]
    """The pydantic model of the input."""
    Output: type[OutputT]
    """The pydantic model of the output."""
    roles: ClassVar[frozenset[Role]] = frozenset()
    """What the tool is for (see `Role`); a ``rank`` tool joins every candidate pool."""

    def __init__(self, source: KnowledgeSource) -> None:
        self.source = source
        self._ready = False
        self._setup_lock = threading.Lock()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("name")
        if name is not None and not TOOL_NAME.match(name):
            raise TypeError(
                f"tool name {name!r} of {cls.__qualname__} must match {TOOL_NAME.pattern}"
            )

    @property
    def catalog(self) -> Catalog:
        """The catalog this tool answers from."""
        return self.source.catalog

    def is_available(self) -> bool:
        """Whether this knowledge source has what the tool needs (cheap; no setup)."""
        return True

    def setup(self) -> None:
        """Build expensive state (indexes, models); called once, before the first `run`."""

    def ensure_ready(self) -> None:
        """Run `setup` once (thread-safe)."""
        if self._ready:
            return
        with self._setup_lock:
            if not self._ready:
                log.debug("setting up tool %s", self.name)
                self.setup()
                self._ready = True

    @classmethod
    def parse_input(cls, raw: InputT | Mapping[str, Any] | str) -> InputT:
        """Validate raw input (a model, a mapping, or a JSON string) into ``Input``.

        A class method, so that input can be checked before any knowledge is loaded.
        """
        if isinstance(raw, cls.Input):
            return raw
        try:
            if isinstance(raw, str):
                return cls.Input.model_validate_json(raw)
            if isinstance(raw, BaseModel):
                raw = raw.model_dump()
            return cls.Input.model_validate(raw)
        except ValidationError as exc:
            raise input_error(cls.name, exc) from None

    def invoke(self, raw: InputT | Mapping[str, Any] | str) -> OutputT:
        """Validate the input, set up on first use, and run."""
        data = self.parse_input(raw)
        self.ensure_ready()
        return self.run(data)

    @abstractmethod
    def run(self, data: InputT) -> OutputT:
        """Do the tool's work on validated input."""

    def rank_input(self, request: RankRequest) -> dict[str, Any] | None:
        """This ranker's input for the agent's request; ``None`` when it has nothing to work
        from. By default every input field named like a request field gets its value (``k``,
        ``exclude_ids``, ``filters``, ``text``, ``history``, ``sources``, ``wanted``), ``k``
        capped at the field's maximum; a required field with no value means nothing to work
        from."""
        payload: dict[str, Any] = {}
        for name, info in self.Input.model_fields.items():
            getter = _REQUEST_FIELDS.get(name)
            value = getter(request) if getter else None
            if value in ("", [], {}) or value is None:
                if info.is_required():
                    return None
                continue
            if name == "k":
                value = min(int(value), _upper_bound(info))  # type: ignore[call-overload]
            payload[name] = value
        return payload

    def ranking(self, output: OutputT) -> list[tuple[str, float]]:
        """The items an output ranks, best first, with the tool's score for each; by default
        every catalog item it refers to, in order, scored by reciprocal rank."""
        ids = list(dict.fromkeys(referenced_item_ids(output)))
        return [(item_id, 1.0 / rank) for rank, item_id in enumerate(ids, start=1)]

    intents: ClassVar[tuple[str, ...]] = ()
    """For an ``answer`` tool: regular expressions (case-insensitive) of the questions it
    answers, e.g. ``r"\\bwhere can i (watch|stream)\\b"``. The deterministic policy sends a
    user message that matches one to this tool; the LLM planner may call it any time."""

    def answer_input(self, question: str, items: Sequence[str]) -> dict[str, Any] | None:
        """This answering tool's input for a question about ``items`` (catalog ids, the
        focus of the conversation); by default ``text``/``question`` and ``item_ids``/``items``
        fields get them. ``None`` when it cannot answer."""
        payload: dict[str, Any] = {}
        fields = self.Input.model_fields
        for name in ("text", "question"):
            if name in fields:
                payload[name] = question[:4000]
        for name in ("item_ids", "items"):
            if name in fields and items:
                payload[name] = list(items)
        required = [n for n, f in fields.items() if f.is_required()]
        return payload if all(n in payload for n in required) else None

    def answer(self, output: OutputT) -> ToolAnswer | None:
        """The answer an output gives; by default its ``answer`` or ``sentence`` text and the
        items it refers to. ``None`` when it has none."""
        text = getattr(output, "answer", None) or getattr(output, "sentence", None)
        if not isinstance(text, str) or not text.strip():
            return None
        items = list(dict.fromkeys(referenced_item_ids(output)))
        refs = [ItemRef.of(self.catalog[i]) for i in items if i in self.catalog]
        return ToolAnswer(text=text.strip(), items=refs, tool=self.name)

    def summarize(self, output: OutputT) -> str:
        """Render an output as a short text for an LLM (the full output stays structured)."""
        return output.model_dump_json(exclude_defaults=True)[:2000]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


def _upper_bound(info: FieldInfo) -> int:
    """The largest value a numeric field accepts (a large number when it sets none)."""
    for rule in info.metadata:
        for attr in ("le", "lt"):
            bound = getattr(rule, attr, None)
            if isinstance(bound, int):
                return bound if attr == "le" else bound - 1
    return 10**6
