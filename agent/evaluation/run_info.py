"""What every evaluation report records about its run: pack, code revision, seed, models."""

from __future__ import annotations

import json
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def git_revision() -> str:
    """The commit of this checkout (``+dirty`` when files are modified), or ``unknown``."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10
        )
        if head.returncode != 0:
            return "unknown"
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=10,
        )
        return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def run_info(
    pack_dir: Path, *, seed: int, llm: str, workers: int, ray: str | None = None
) -> dict[str, Any]:
    """The pack manifest, git revision, seed, LLM, workers (on Ray: the cluster's
    address), host and time of a run."""
    manifest_path = Path(pack_dir) / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        manifest = {}
    return {
        "pack": {"path": str(pack_dir), "manifest": manifest},
        "git": git_revision(),
        "seed": seed,
        "llm": llm,
        "workers": workers,
        **({"ray": ray or "local"} if ray is not None else {}),
        "host": {"python": platform.python_version(), "machine": platform.machine()},
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
