"""Run evaluation tasks on a Ray cluster, with the contract of ``workers.run_tasks``.

Each worker is a Ray actor that builds its evaluator once (loading the pack and the
models), then takes one task at a time, so a slow conversation never holds up the others.
Results come back in task order, so a run equals a local one with any number of workers.
Ray restarts an actor whose process dies and runs its task again (``RETRIES``); a task
that still fails stops the run with an error, and is never dropped.

Every node needs Parley installed and the pack at the same path (or on a shared disk).
"""

from __future__ import annotations

import ipaddress
import logging
import os
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from knowledge.errors import ParleyError

TaskT = TypeVar("TaskT")
ResultT = TypeVar("ResultT")

log = logging.getLogger(__name__)

RETRIES = 3
"""Times Ray restarts a dead worker and reruns its task before the run fails."""
LOOPBACK_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
"""Set to 0, Ray stays on 127.0.0.1 instead of advertising the machine's network address."""


class RayWorker:
    """One actor: an evaluator built once, called per task."""

    def __init__(self, factory: Callable[..., Callable[[Any], Any]], args: tuple[Any, ...]):
        self.evaluate = factory(*args)

    def run(self, index: int, task: Any) -> tuple[int, Any]:
        return index, self.evaluate(task)


def _is_loopback(address: str) -> bool:
    host = address.split("://")[-1].rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def connect(address: str | None) -> int:
    """Join the Ray cluster at ``address`` and return its CPUs.

    ``None`` joins ``$RAY_ADDRESS`` when set, else starts Ray on this machine for the run,
    bound to 127.0.0.1. Joining twice is a no-op.
    """
    local = address is None and not os.environ.get("RAY_ADDRESS")
    if local or (address and _is_loopback(address)):
        os.environ.setdefault(LOOPBACK_ENV, "0")  # read when ray is first imported
    try:
        import ray
    except ImportError:
        raise ParleyError("evaluation on Ray needs ray: pip install -e '.[ray]'") from None
    if not ray.is_initialized():
        options: dict[str, Any] = {"log_to_driver": False}
        if local:
            options.update(include_dashboard=False)
        try:
            ray.init(address=address, **options)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = address or "this machine"
            raise ParleyError(f"cannot join the Ray cluster at {where}: {exc}") from None
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def run_tasks_ray(
    factory: Callable[..., Callable[[TaskT], ResultT]],
    args: tuple[Any, ...],
    tasks: Sequence[TaskT],
    *,
    address: str | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[ResultT]:
    """Results of ``factory(*args)(task)`` for every task, in task order, on Ray actors.

    ``workers`` actors (default: one per CPU of the cluster) each take one CPU.
    """
    import ray

    cpus = connect(address)
    total = len(tasks)
    if progress:
        progress(0, total)
    if not total:
        return []
    count = min(workers or cpus, cpus, total)
    if workers and workers > cpus:
        log.warning("the Ray cluster has %d CPUs: running %d workers, not %d", cpus, cpus, workers)
    actor = ray.remote(num_cpus=1, max_restarts=RETRIES, max_task_retries=RETRIES)(RayWorker)
    actors: list[Any] = [actor.remote(factory, args) for _ in range(count)]
    todo = deque(enumerate(tasks))
    running: dict[Any, Any] = {}

    def give(worker: Any) -> None:
        if todo:
            index, task = todo.popleft()
            running[worker.run.remote(index, task)] = worker

    results: list[Any] = [None] * total
    try:
        for worker in actors:
            give(worker)
        done = 0
        while running:
            [ref], _ = ray.wait(list(running), num_returns=1)
            worker = running.pop(ref)
            try:
                index, result = ray.get(ref)
            except ray.exceptions.RayActorError as exc:
                raise ParleyError(
                    f"a Ray worker died {RETRIES + 1} times running one task; stopping: {exc}"
                ) from None
            results[index] = result
            done += 1
            if progress:
                progress(done, total)
            give(worker)
    finally:
        for worker in actors:
            ray.kill(worker)
    return results
