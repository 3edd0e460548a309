"""The build's worker processes: one pool, made when first needed, that parses records
and renders feeds.

Both the loading stage (`feedpub.source`) and rendering (`feedpub.build`) hand it work,
so it belongs to neither.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # imported when the first pool is made: it brings in multiprocessing
    from concurrent.futures import Future, ProcessPoolExecutor

T = TypeVar("T")
R = TypeVar("R")


def cap_jobs(jobs: int | None) -> int:
    """Worker processes to use: as asked, but never more than this machine's cores.

    More processes than CPUs only add start-up time and memory, and a huge number
    would start hundreds of them.
    """
    cores = os.cpu_count() or 1
    return max(1, min(jobs or cores, cores))


def start_worker() -> None:
    """Run first in every worker process: exit when the build that started it is gone.

    A build killed outright (SIGKILL, an out-of-memory kill) cannot stop its pool, and
    its workers would otherwise wait for work forever.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="feedpub-parent-watch", daemon=True).start()


class Workers:
    """One pool of worker processes for a build, made the first time it is needed and
    used both to parse records and to render feeds.

    A cold build first needs it to parse, while this process is still small: a child's
    peak memory, as the system counts it, starts at its parent's size when it was made.
    """

    remote = False  # True for a cluster's workers (`cluster.Cluster`), elsewhere

    def __init__(self, jobs: int | None) -> None:
        self.jobs = cap_jobs(jobs)
        self._pool: ProcessPoolExecutor | None = None

    def _start(self, tasks: int) -> ProcessPoolExecutor:
        if self._pool is None:
            # No more processes than there are tasks for: each costs a Python start-up.
            workers = max(1, min(self.jobs, tasks))
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(max_workers=workers, initializer=start_worker)
        return self._pool

    def start(self, tasks: int) -> None:
        """Make the worker processes now, for `tasks` tasks to come: while this process
        is small, since each starts as big as this process is when it is made."""
        self._start(tasks).submit(int).result()  # the processes are made for a first task

    def map(self, function: Callable[[T], R], items: Iterable[T], tasks: int) -> Iterator[R]:
        """`function` of each of `tasks` items, in order, with a few items in flight per
        worker: enough to keep every core busy, and results never pile up in memory when
        this process falls behind."""
        submit = self._submitter(tasks)
        window: deque[Any] = deque()
        for item in items:
            window.append(submit(function, item))
            if len(window) >= 3 * self.jobs:
                yield self._result(window.popleft())
        while window:
            yield self._result(window.popleft())

    def _submitter(self, tasks: int) -> Callable[..., Any]:
        """What `map` sends a task with (a future back): the pool's, made if not yet."""
        return self._start(tasks).submit

    def _result(self, future: Future[R]) -> R:
        return future.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
