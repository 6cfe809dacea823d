"""`ecei refresh` as a real child process, for tests that kill it or race it against another."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
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


def wait_for(condition: Callable[[], bool], what: str, limit: float = 120.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)
