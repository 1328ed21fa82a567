"""Catalog items and the in-memory catalog that indexes them."""

from __future__ import annotations

import datetime
import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Attribute names that different sources spell differently, mapped to one canonical name.
ATTRIBUTE_ALIASES: dict[str, str] = {
    "genres": "genre",
    "directors": "director",
    "cast": "star",
    "actor": "star",
    "actors": "star",
    "stars": "star",
    "writers": "writer",
    "tags": "tag",
}

PRESENT_SHARE = 0.01
"""The share of a catalog's dated items from its latest years that makes the latest of
those years its present (`Catalog.present_year`)."""
_TITLE_YEAR = re.compile(r"^(?P<title>.*\S)\s*\((?P<year>\d{4})\)\s*$")


def canonical_attribute(name: str) -> str:
    """Return the canonical spelling of an attribute name (``cast`` -> ``star``)."""
    key = name.strip().lower()
    return ATTRIBUTE_ALIASES.get(key, key)


def split_title_year(name: str) -> tuple[str, int | None]:
    """Split ``"Inception (2010)"`` into ``("Inception", 2010)``; no year gives ``None``."""
    match = _TITLE_YEAR.match(name.strip())
    if match is None:
        return name.strip(), None
    return match.group("title"), int(match.group("year"))


def normalize_text(text: str) -> str:
    """Fold case, accents and punctuation so that titles compare loosely."""
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = folded.lower().replace("&", " and ")
    folded = re.sub(r"[^\w\s]", " ", folded)
    return " ".join(folded.split())


class Item(BaseModel):
    """One recommendable catalog item."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    item_id: str = Field(min_length=1, max_length=200)
    """Stable identifier, unique within a catalog."""
    title: str = Field(min_length=1, max_length=500)
    """Display title without the year."""
    year: int | None = Field(default=None, ge=1800, le=2100)
    """Release year, when known."""
    attributes: dict[str, list[str]] = Field(default_factory=dict)
    """Typed attribute values keyed by canonical name: genre, director, star, writer, tag..."""
    description: str = ""
    """A short description of the item."""
    popularity: float | None = Field(default=None, ge=0)
    """Optional popularity score; higher is more popular. Used to rank ambiguous titles."""
    external_ids: dict[str, str] = Field(default_factory=dict)
    """Identifiers in other systems, such as ``{"imdb": "tt1375666"}``; used to join datasets."""

    @field_validator("item_id", "title")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be blank")
        return value

    @field_validator("attributes", mode="before")
    @classmethod
    def _canonical_attributes(cls, value: object) -> object:
        if not isinstance(value, Mapping):
            return value
        merged: dict[str, list[str]] = {}
        for raw_name, raw_values in value.items():
            if not isinstance(raw_name, str):
                raise ValueError("attribute names must be strings")
            if isinstance(raw_values, str):
                raw_values = [raw_values]
            if not isinstance(raw_values, list | tuple):
                raise ValueError(f"attribute {raw_name!r} must be a list of strings")
            name = canonical_attribute(raw_name)
            bucket = merged.setdefault(name, [])
            for v in raw_values:
                if not isinstance(v, str):
                    raise ValueError(f"attribute {raw_name!r} has a non-string value {v!r}")
                v = " ".join(v.split())
                if v and v not in bucket:
                    bucket.append(v)
        return {k: v for k, v in merged.items() if v}

    @property
    def display_title(self) -> str:
        """Title with the year in parentheses when known: ``Inception (2010)``."""
        return f"{self.title} ({self.year})" if self.year else self.title

    def values(self, attribute: str) -> list[str]:
        """Return the values of one attribute (empty when absent)."""
        return self.attributes.get(canonical_attribute(attribute), [])

    def embedding_text(self) -> str:
        """Text that represents the item for dense retrieval: title, attributes, description."""
        parts = [self.display_title + "."]
        for name in sorted(self.attributes):
            parts.append(f"{name}: {', '.join(self.attributes[name])}.")
        if self.description:
            parts.append(self.description)
        return " ".join(parts)


@dataclass
class Catalog:
    """An ordered, id-indexed collection of items."""

    items: list[Item]
    name: str = "catalog"
    _by_id: dict[str, Item] = field(init=False, repr=False)
    _values: dict[str, dict[str, int]] = field(init=False, repr=False, default_factory=dict)
    _present: int | None = field(init=False, repr=False, default=None)

    def __post_init__(self) -> None:
        self._by_id = {}
        for item in self.items:
            if item.item_id in self._by_id:
                raise ValueError(f"duplicate item_id {item.item_id!r} in catalog {self.name!r}")
            self._by_id[item.item_id] = item

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._by_id

    def get(self, item_id: str) -> Item | None:
        """Return the item with this id, or ``None``."""
        return self._by_id.get(item_id)

    def __getitem__(self, item_id: str) -> Item:
        try:
            return self._by_id[item_id]
        except KeyError:
            raise KeyError(f"no item {item_id!r} in catalog {self.name!r}") from None

    def ids(self) -> list[str]:
        """Item ids in catalog order."""
        return [item.item_id for item in self.items]

    def present_year(self) -> int:
        """The catalog's "now", which "recent" and "the last few years" count back from: the
        latest year from which at least `PRESENT_SHARE` of its dated items come, never later
        than this calendar year (this calendar year for a catalog without years). The ReDial
        catalog was collected in 2018: a film from 2018 is recent there, whatever the date;
        its three stray 2019 records do not make 2019 its present."""
        if self._present is None:
            this_year = datetime.date.today().year
            years = sorted((i.year for i in self.items if i.year is not None), reverse=True)
            enough = max(math.ceil(PRESENT_SHARE * len(years)), 1)
            self._present = min(years[enough - 1], this_year) if years else this_year
        return self._present

    def attribute_names(self) -> list[str]:
        """All attribute names used by any item, sorted."""
        return sorted({name for item in self.items for name in item.attributes})

    def attribute_values(self, attribute: str) -> dict[str, int]:
        """Each value of an attribute with the number of items that have it (counted once per
        catalog: a catalog's items do not change after it is made)."""
        name = canonical_attribute(attribute)
        if name not in self._values:
            counts: dict[str, int] = {}
            for item in self.items:
                for value in item.attributes.get(name, []):
                    counts[value] = counts.get(value, 0) + 1
            self._values[name] = counts
        return dict(self._values[name])

    def by_title(self) -> dict[str, list[Item]]:
        """Items grouped by normalized title (without year); remakes share a key."""
        groups: dict[str, list[Item]] = {}
        for item in self.items:
            groups.setdefault(normalize_text(item.title), []).append(item)
        return groups

    def sha256(self) -> str:
        """Content hash of the catalog: equal catalogs hash equal, whatever their source."""
        digest = hashlib.sha256()
        for line in iter_jsonl_lines(self.items):
            digest.update(line.encode("utf-8"))
            digest.update(b"\n")
        return digest.hexdigest()


def iter_jsonl_lines(items: Iterable[Item]) -> Iterator[str]:
    """Serialize items as canonical JSON lines (the generic JSONL catalog format)."""
    for item in items:
        yield json.dumps(item.model_dump(exclude_none=True), ensure_ascii=False, sort_keys=True)
