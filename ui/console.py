"""Terminal output helpers shared by the CLI commands: one console, rich progress bars.

Text from users, catalogs and the LLM goes through `plain` before it is printed: Rich
markup in it stays text (``[/bold]`` would otherwise crash the print), and escape sequences
(ANSI colours, OSC titles and links, cursor moves) never reach the terminal.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

console = Console(stderr=True)
"""Diagnostics and progress go to stderr so that stdout stays parseable (JSON, tables)."""

out = Console(highlight=False)
"""Command results."""

_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, erase
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: window titles, hyperlinks, clipboard
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC strings
    r"|\x1b[ -/]*[0-~]?"  # any other escape
    r"|\x9b[0-?]*[ -/]*[@-~]"  # CSI in its one-byte (C1) form
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain(text: str) -> Text:
    """Untrusted text as a Rich `Text`: no markup read in it, no escape sequence left."""
    return Text(_CONTROL.sub("", _SEQUENCE.sub("", text)))


def progress_bars(width: int = 36, *, transient: bool = False) -> Progress:
    """Rich progress bars on stderr: a spinner, the task's description, count, times."""
    return Progress(
        SpinnerColumn(),
        TextColumn(f"[bold]{{task.description:<{width}}}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=transient,
    )


@contextmanager
def stage_progress() -> Iterator[Callable[[str, int, int], None]]:
    """Yield a ``progress(stage, advance, total)`` callback drawing one bar per stage."""
    with progress_bars(16) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, advance: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=max(total, 1))
                if total == 0:
                    bar.update(tasks[stage], completed=1)
            if advance:
                bar.advance(tasks[stage], advance)

        yield progress
