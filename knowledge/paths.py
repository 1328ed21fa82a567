"""Where Parley keeps its files when the user does not say: ``$PARLEY_HOME`` or ``~/.parley``."""

from __future__ import annotations

import os
from pathlib import Path


def parley_home() -> Path:
    """Parley's data folder (packs, sessions); ``PARLEY_HOME`` overrides ``~/.parley``."""
    return Path(os.environ.get("PARLEY_HOME") or Path.home() / ".parley").expanduser()


def default_pack_dir(name: str = "demo") -> Path:
    """Default location of a catalog's knowledge pack."""
    return parley_home() / "packs" / name
