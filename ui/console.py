"""Terminal output helpers shared by the CLI commands: one console, rich progress bars."""

from __future__ import annotations

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

console = Console(stderr=True)
"""Diagnostics and progress go to stderr so that stdout stays parseable (JSON, tables)."""

out = Console(highlight=False)
"""Command results."""


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
