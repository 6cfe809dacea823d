"""`ecei serve` as a user runs it without a Prefect server: one plain message, exit code 2."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.cli.helpers import ECEI


def test_serve_needs_a_prefect_server(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PREFECT_API_URL": ""}
    # in a folder of its own: the project folder holds the demo warehouse once `tasks.py demo` has run,
    # which serve refuses before it looks for a server
    done = subprocess.run([ECEI, "serve"], capture_output=True, text=True, timeout=180, env=env, cwd=tmp_path)
    assert done.returncode == 2 and "PREFECT_API_URL" in done.stderr
    # one plain message, no traceback
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr


def test_serve_refuses_to_schedule_the_live_site_into_the_demo_warehouse(dated_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "ecei.duckdb"
    shutil.copy(dated_db, db)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PREFECT_API_URL": "", "ECEI_DB": str(db)}
    done = subprocess.run([ECEI, "serve"], capture_output=True, text=True, timeout=180, env=env, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith(f"refused: {db} is a demo warehouse"), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1  # said before anything else, Prefect's server included
