"""`ecei serve` as a user runs it without a Prefect server: one plain message, exit code 2."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.cli.helpers import ECEI


def test_serve_needs_a_prefect_server(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PREFECT_API_URL": ""}
    done = subprocess.run([ECEI, "serve"], capture_output=True, text=True, timeout=180, env=env)
    assert done.returncode == 2 and "PREFECT_API_URL" in done.stderr
    # one plain message, no traceback
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr
