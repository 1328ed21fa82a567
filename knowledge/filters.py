"""Hard filters on catalog items, shared by the vector index and the tools."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from knowledge.items import Item, canonical_attribute


class ItemFilter(BaseModel):
    """Constraints an item must meet: attribute values it must have or avoid, a year range."""

    model_config = ConfigDict(extra="forbid")

    include: dict[str, list[str]] = Field(default_factory=dict)
    """Attribute values the item must all have, e.g. ``{"genre": ["comedy"]}``."""
    exclude: dict[str, list[str]] = Field(default_factory=dict)
    """Attribute values the item must not have, e.g. ``{"genre": ["horror"]}``."""
    year_min: int | None = None
    """Earliest release year (inclusive)."""
    year_max: int | None = None
    """Latest release year (inclusive)."""

    @model_validator(mode="after")
    def _normalize(self) -> ItemFilter:
        self.include = _canon(self.include)
        self.exclude = _canon(self.exclude)
        if (
            self.year_min is not None
            and self.year_max is not None
            and self.year_min > self.year_max
        ):
            raise ValueError(f"year_min {self.year_min} is after year_max {self.year_max}")
        return self

    def is_empty(self) -> bool:
        """True when the filter constrains nothing."""
        return not (self.include or self.exclude or self.year_min or self.year_max)

    def matches(self, item: Item) -> bool:
        """Check one item against the filter (the same semantics as the index's query)."""
        if self.year_min is not None and (item.year is None or item.year < self.year_min):
            return False
        if self.year_max is not None and (item.year is None or item.year > self.year_max):
            return False
        for name, values in self.include.items():
            have = {v.lower() for v in item.values(name)}
            if any(v not in have for v in values):
                return False
        for name, values in self.exclude.items():
            have = {v.lower() for v in item.values(name)}
            if any(v in have for v in values):
                return False
        return True


def _canon(spec: dict[str, list[str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, values in spec.items():
        clean = [" ".join(v.lower().split()) for v in values if v.strip()]
        if clean:
            out.setdefault(canonical_attribute(name), []).extend(clean)
    return out


def parse_filter_args(args: list[str]) -> ItemFilter:
    """Parse command-line filters: ``genre=comedy``, ``genre!=horror``, ``year>=1990``..."""
    include: dict[str, list[str]] = {}
    exclude: dict[str, list[str]] = {}
    year_min = year_max = None
    for arg in args:
        if arg.startswith("year"):
            for op in (">=", "<=", "="):
                if arg[4:].startswith(op):
                    try:
                        year = int(arg[4 + len(op) :])
                    except ValueError:
                        raise ValueError(f"bad year in filter {arg!r}") from None
                    if op in (">=", "="):
                        year_min = year
                    if op in ("<=", "="):
                        year_max = year
                    break
            else:
                raise ValueError(f"bad filter {arg!r}: use year>=N, year<=N or year=N")
        elif "!=" in arg:
            name, value = arg.split("!=", 1)
            exclude.setdefault(name.strip(), []).append(value)
        elif "=" in arg:
            name, value = arg.split("=", 1)
            include.setdefault(name.strip(), []).append(value)
        else:
            raise ValueError(f"bad filter {arg!r}: use NAME=VALUE, NAME!=VALUE or year>=N")
    return ItemFilter(include=include, exclude=exclude, year_min=year_min, year_max=year_max)
