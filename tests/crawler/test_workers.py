"""Worker processes: a task runs in another process, and a dead worker is reported and replaced."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest

from crawler.workers import WorkerDied, Workers


def test_a_task_runs_in_another_process_and_its_result_comes_back() -> None:
    workers = Workers(1)
    try:
        assert asyncio.run(workers.run(os.getpid)) != os.getpid()
        assert asyncio.run(workers.run(divmod, 7, 2)) == (3, 1)
    finally:
        workers.close()
    assert workers.pool is None


def test_a_dead_worker_fails_its_task_and_the_next_task_gets_a_new_one() -> None:
    workers = Workers(1)
    try:
        first = asyncio.run(workers.run(os.getpid))
        os.kill(first, signal.SIGKILL)
        time.sleep(0.5)
        with pytest.raises(WorkerDied):
            asyncio.run(workers.run(os.getpid))
        assert asyncio.run(workers.run(os.getpid)) not in (first, os.getpid())
    finally:
        workers.close()
