"""The orphan guard: a crawl whose refresh died ends itself, one whose refresh lives crawls on."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler.orphan_guard import ORPHAN_EXIT_CODE, OrphanGuard


def test_without_a_parent_pid_the_guard_is_not_configured() -> None:
    with pytest.raises(NotConfigured):
        OrphanGuard.from_crawler(get_crawler(settings_dict={"ECEI_PARENT_PID": 0}))


def test_the_guard_watches_the_pid_it_is_given() -> None:
    guard = OrphanGuard.from_crawler(get_crawler(settings_dict={"ECEI_PARENT_PID": os.getppid()}))
    assert guard.parent_pid == os.getppid()
    guard.check()  # its parent is alive: it returns, and this test goes on
    assert not guard.loop.running


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=90)


def test_a_check_that_finds_another_parent_ends_the_process_at_once() -> None:
    done = _run(
        """
        import os
        from crawler.orphan_guard import OrphanGuard
        OrphanGuard(os.getppid() + 1).check()
        print("still running")
        """
    )
    assert done.returncode == ORPHAN_EXIT_CODE
    assert "still running" not in done.stdout
    assert "has gone: stopping the crawl" in done.stderr


# A crawl process (the grandchild) under a refresh process (the child) that is then SIGKILLed.
# The harness makes itself a subreaper, so the orphaned crawl is handed to it: the crawl's parent
# pid changes, as it does when init adopts it, and the harness can collect its exit status.
_HARNESS = """
import ctypes, os, signal, subprocess, sys, time

PR_SET_CHILD_SUBREAPER = 36
ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
crawl = '''
import logging, os, sys
from twisted.internet import reactor
from crawler.orphan_guard import OrphanGuard
logging.basicConfig()
guard = OrphanGuard(os.getppid())
reactor.callWhenRunning(guard.engine_started)
reactor.callLater(30, reactor.stop)
print("guarding", flush=True)
reactor.run()
'''
refresh = f'''
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", {crawl!r}], stdout=subprocess.PIPE, text=True)
child.stdout.readline()
print(child.pid, flush=True)
time.sleep(60)
'''
parent = subprocess.Popen(
    [sys.executable, "-c", refresh], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
)
pid = int(parent.stdout.readline())
try:
    time.sleep(1.5)
    os.kill(pid, 0)  # the refresh lives: the guard lets the crawl be (raises if it has gone)
    started = time.monotonic()
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    _, status = os.waitpid(pid, 0)
    print(os.waitstatus_to_exitcode(status), round(time.monotonic() - started))
finally:
    parent.kill()
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
"""


@pytest.mark.skipif(sys.platform != "linux", reason="a subreaper is a Linux feature")
def test_a_crawl_whose_refresh_was_killed_ends_itself() -> None:
    done = _run(_HARNESS)
    assert done.returncode == 0, done.stderr
    code, seconds = done.stdout.split()
    assert int(code) == ORPHAN_EXIT_CODE
    assert int(seconds) < 10  # within a few checks, not when its own time limit ends it
