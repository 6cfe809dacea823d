"""Worker processes beside the crawl, for the per-row work of large pages, so that a crawl of a big
registry uses more than one core. Started on first use; spawned, not forked, because the crawl
process runs threads (DNS) a fork would copy mid-flight; ended with the crawl process.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any


@contextmanager
def gc_paused() -> Iterator[None]:
    """No garbage collection inside: building a large page's rows creates no cycles, but its many
    objects would set off many collections. What the block leaves is collected afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class WorkerDied(Exception):
    """The worker running a task died (killed, out of memory): the task has no result."""


def _exit_with_parent(parent: int) -> None:
    # a worker whose crawl process was killed must not outlive it
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def _import(modules: tuple[str, ...]) -> None:
    for module in modules:
        importlib.import_module(module)


class Workers:
    """`count` worker processes, started when the first task comes."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.pool: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        if self.pool is None:
            self.pool = ProcessPoolExecutor(
                self.count, multiprocessing.get_context("spawn"), _exit_with_parent, (os.getpid(),)
            )
        return self.pool

    def start(self, *modules: str) -> None:
        """Start the workers now, importing `modules`, so that they are ready when the first task comes."""
        if self.count < 1:
            return
        pool = self._pool()
        for _ in range(self.count):  # no worker is idle yet: each submit starts one
            pool.submit(_import, modules)

    async def run(self, task: Callable[..., Any], *args: Any) -> Any:
        """`task(*args)` in a worker (a module-level function, its arguments and result picklable)."""
        pool = self._pool()
        try:
            return await asyncio.wrap_future(pool.submit(task, *args))
        except BrokenProcessPool as exc:
            # the pool is no use any more: the next task gets new workers
            pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None
            raise WorkerDied(str(exc)) from exc

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
