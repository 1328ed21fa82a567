"""Prompt and reply templates shipped as package data, rendered with ``StrictUndefined``.

A missing variable raises instead of producing a silently broken prompt. Catalog and user
text enter templates only as data: the system prompt tells the model so, and replies are
checked against the catalog afterwards.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jinja2


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The template environment: package loader, strict undefined, no HTML escaping."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("prompts", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def render(name: str, **variables: Any) -> str:
    """Render a template (``name`` without the ``.j2``) and strip surrounding whitespace."""
    return environment().get_template(f"{name}.j2").render(**variables).strip()


def template_names() -> list[str]:
    """All template names, for tests."""
    return sorted(n.removesuffix(".j2") for n in environment().list_templates(extensions=["j2"]))
