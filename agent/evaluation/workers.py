"""Run evaluation tasks in order, in this process or in worker processes, with a progress bar.

Every worker process builds its own evaluator once (loading the pack and the models), then
takes tasks; results come back in task order whatever the number of workers, so a run is
the same for one worker or eight. With ``ray`` the workers are actors on a Ray cluster
(``ray_workers.py``), under the same contract.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

TaskT = TypeVar("TaskT")
ResultT = TypeVar("ResultT")
Progress = Callable[[int, int], None]
"""``progress(done, total)``."""


_EVALUATOR: Callable[[Any], Any] | None = None


def _init(factory: Callable[..., Callable[[Any], Any]], args: tuple[Any, ...]) -> None:
    global _EVALUATOR
    _exit_with_parent()
    _EVALUATOR = factory(*args)


def _exit_with_parent(every: float = 2.0) -> None:
    """End this worker when the parent dies (killed runs must not leave workers computing)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _call(task: Any) -> Any:
    assert _EVALUATOR is not None, "worker not initialised"
    return _EVALUATOR(task)


def run_tasks(
    factory: Callable[..., Callable[[TaskT], ResultT]],
    args: tuple[Any, ...],
    tasks: Sequence[TaskT],
    *,
    workers: int = 1,
    progress: Progress | None = None,
    ray: str | None = None,
) -> list[ResultT]:
    """Results of ``factory(*args)(task)`` for every task, in task order.

    ``factory`` and ``args`` must be picklable when ``workers > 1`` (a module-level class
    and plain values): worker processes are spawned, never forked, so no thread or
    database handle of this process is copied into them. ``ray`` runs the workers on the
    Ray cluster at that address instead ("": ``$RAY_ADDRESS`` or a local Ray).
    """
    if ray is not None:
        from agent.evaluation.ray_workers import run_tasks_ray

        return run_tasks_ray(
            factory, args, tasks, address=ray or None, workers=workers, progress=progress
        )
    total = len(tasks)
    if progress:
        progress(0, total)
    if workers <= 1 or total <= 1:
        evaluator = factory(*args)
        results = []
        for done, task in enumerate(tasks, start=1):
            results.append(evaluator(task))
            if progress:
                progress(done, total)
        return results
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=min(workers, total),
        mp_context=context,
        initializer=_init,
        initargs=(factory, args),
    ) as pool:
        results = []
        for done, result in enumerate(pool.map(_call, tasks), start=1):
            results.append(result)
            if progress:
                progress(done, total)
        return results
