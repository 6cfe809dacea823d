"""`ecei export` as a user runs it: one file per public view, and what it refuses."""

from __future__ import annotations

import re
from pathlib import Path

from tests.cli.helpers import ecei


def test_export_csv(history_db: Path, tmp_path: Path) -> None:
    done = ecei("export", "--db", str(history_db), "--format", "CSV", str(tmp_path / "out"), wide=True)
    assert done.returncode == 0, done.stderr
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert "clusters_current.csv" in files and "crawl_runs.csv" in files
    header = (tmp_path / "out" / "clusters_current.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("cluster_id,country,country_id,name,portfolio")
    runs = (tmp_path / "out" / "crawl_runs.csv").read_text(encoding="utf-8").splitlines()
    started = runs[1].split(",")[runs[0].split(",").index("started_at")]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", started)  # as ecei.moments.stamp writes it


def test_export_refuses_an_unknown_format(history_db: Path, tmp_path: Path) -> None:
    done = ecei("export", "--db", str(history_db), "--format", "xml", str(tmp_path / "out"), wide=True)
    assert done.returncode == 2 and "parquet" in done.stderr
    assert not (tmp_path / "out").exists()
