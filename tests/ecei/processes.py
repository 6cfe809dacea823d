"""`ecei refresh` as a real child process, for tests that kill it or race it against another."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ecei.settings import Settings

ECEI = str(Path(sys.executable).with_name("ecei"))


def start_refresh(settings: Settings, **env: str) -> subprocess.Popen[str]:
    environment = {
        **os.environ,
        "ECEI_POLITE": "false",
        "ECEI_RETRY_TIMES": "0",
        "ECEI_DOWNLOAD_TIMEOUT": "120",
        **env,
    }
    return subprocess.Popen(
        [ECEI, "refresh", "--start-url", settings.start_url, "--db", str(settings.db), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )


# a sitecustomize for a child process: an audit hook that touches ECEI_TEST_LOCK_PROBE's file the first
# time the process opens a refresh lock file (`<db>.lock`), so a test sees that it reached the lock
_LOCK_PROBE = """
import os, sys

_marker = os.environ.get("ECEI_TEST_LOCK_PROBE")
_done = []


def _hook(event, args):
    if _marker and not _done and event == "open" and str(args[0]).endswith(".duckdb.lock"):
        _done.append(True)  # before the write below, which is an open too
        with open(_marker, "w"):
            pass


sys.addaudithook(_hook)
"""


def lock_probe(folder: Path, marker: Path) -> dict[str, str]:
    """The environment that makes a child `ecei` touch `marker` when it first tries the refresh lock."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(_LOCK_PROBE)
    path = os.pathsep.join(p for p in (str(folder), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path, "ECEI_TEST_LOCK_PROBE": str(marker)}


def wait_for(condition: Callable[[], bool], what: str, limit: float = 120.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def _stat(pid: str) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name: state, ppid, pgrp, session, ..."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def crawl_processes(parent_pid: int) -> set[int]:
    """The running crawl processes (`python -m crawler.run CONFIG STAGE PARENT_PID`) of `parent_pid`."""
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"crawler.run" in argv and str(parent_pid).encode() in argv:
            found.add(int(entry.name))
    return found


def alive_in_session(session: int) -> list[int]:
    """Every process of a session (a crawl is started as the leader of its own) that is not a zombie."""
    alive = []
    for entry in Path("/proc").iterdir():
        fields = _stat(entry.name) if entry.name.isdigit() else None
        if fields is not None and fields[3] == str(session) and fields[0] != "Z":
            alive.append(int(entry.name))
    return alive


_HOLD_FOR_WRITING = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])  # read-write: DuckDB's file lock keeps every other process out
print("holding", flush=True)
sys.stdin.read()  # until the test closes our stdin
con.close()
"""


@contextmanager
def held_for_writing(db: Path) -> Iterator[None]:
    """Another process holds `db` open for writing, as a refresh's merge does, until the block ends."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_FOR_WRITING, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        yield
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=60)
