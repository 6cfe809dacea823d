"""Worker processes beside the crawl, for the per-row work of large pages, so that a crawl of a big
registry uses more than one core. Started on first use; spawned, not forked, because the crawl
process runs threads (DNS) a fork would copy mid-flight; ended with the crawl process.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any


class WorkerDied(Exception):
    """The worker running a task died (killed, out of memory): the task has no result."""


def _exit_with_parent(parent: int) -> None:
    # a worker whose crawl process was killed must not outlive it
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


class Workers:
    """`count` worker processes, started when the first task comes."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.pool: ProcessPoolExecutor | None = None

    async def run(self, task: Callable[..., Any], *args: Any) -> Any:
        """`task(*args)` in a worker (a module-level function, its arguments and result picklable)."""
        if self.pool is None:
            self.pool = ProcessPoolExecutor(
                self.count, multiprocessing.get_context("spawn"), _exit_with_parent, (os.getpid(),)
            )
        try:
            return await asyncio.wrap_future(self.pool.submit(task, *args))
        except BrokenProcessPool as exc:
            # the pool is no use any more: the next task gets new workers
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None
            raise WorkerDied(str(exc)) from exc

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
