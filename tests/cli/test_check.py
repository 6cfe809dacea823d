"""`ecei check` as a user runs it against the mirror: what it finds, what it explains, what it writes (nothing)."""

from __future__ import annotations

import os
from pathlib import Path

from ecei.demo.mirror import Fault, Mirror
from tests.cli.helpers import ecei
from tests.conftest import COUNTRY_PATH, ITALY


def test_check_ok_writes_nothing(mirror: Mirror, tmp_path: Path) -> None:
    env = {**os.environ, "ECEI_DB": str(tmp_path / "ecei.duckdb")}
    done = ecei("check", "--start-url", mirror.start_url, cwd=tmp_path, env=env, wide=True)
    assert done.returncode == 0, done.stderr
    assert "Name | Comparative portfolio | www | Label valid until" in done.stdout
    assert "ok: the site looks as the spider expects" in done.stdout
    assert list(tmp_path.iterdir()) == []


def test_check_explains_a_changed_header(mirror: Mirror, tmp_path: Path) -> None:
    mirror.faults = {COUNTRY_PATH + ITALY: Fault(rewrite=lambda b: b.replace(b"<th>www</th>", b"<th>Website</th>"))}
    done = ecei("check", "--start-url", mirror.start_url, cwd=tmp_path, wide=True)
    assert done.returncode == 1
    assert "problem:" in done.stderr and "'Website'" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_check_honours_the_download_timeout(mirror: Mirror, tmp_path: Path) -> None:
    mirror.faults = {"/benchmarked-clusters": Fault(hang=True)}
    env = {**os.environ, "ECEI_DOWNLOAD_TIMEOUT": "0.5"}
    done = ecei("check", "--start-url", mirror.start_url, cwd=tmp_path, env=env, wide=True)
    assert done.returncode == 1
    assert "timed out" in done.stderr
