"""Hand-made runs for warehouse tests: rows as the pipeline stages them, staged and merged as a refresh does."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import duckdb

from pipelines.keys import country_key, name_key
from pipelines.stage import rejected_record
from tests.warehouse.history_rules import assert_history_consistent
from warehouse.merge import merge_run
from warehouse.runs import RunFigures, begin_run, recorded_figures

T0 = dt.datetime(2024, 1, 1, 5)


def row(
    name: str,
    valid_until: str = "2025-01-01",
    portfolio: str = "ICT",
    country_id: str = "c-1",
    website: str | None = None,
) -> dict[str, Any]:
    """A cluster row as the pipeline stages it (Norway unless told), its identity keys computed."""
    return {
        "page_url": "http://x/?country=" + country_id,
        "row_number": 1,
        "country": "Norway",
        "country_id": country_id,
        "name": name,
        "portfolio": portfolio,
        "website": website,
        "valid_until": valid_until,
        "country_key": country_key(country_id),
        "name_key": name_key(name) if name else "",
    }


def stage(tmp: Path, rows: list[dict[str, Any]], rejected: list[dict[str, Any]] | None = None) -> tuple[Path, Path]:
    """The stage folder of one run: its rows file and its rejected-rows file."""
    tmp.mkdir(parents=True, exist_ok=True)
    rows_file, rejected_file = tmp / "rows.jsonl", tmp / "rejected.jsonl"
    rows_file.write_text("".join(json.dumps(r) + "\n" for r in rows))
    rejected_file.write_text("".join(json.dumps(r) + "\n" for r in rejected or []))
    return rows_file, rejected_file


def rejected(name: str, reason: str = "valid_until: impossible", country_id: str = "c-1") -> dict[str, Any]:
    """A quarantined row as the stage writes it (pipelines.stage.rejected_record), its key computed."""
    raw = {"country": "Norway", "country_id": country_id, "name": name, "valid_until": "2021/02/30"}
    return rejected_record("http://x/?country=" + country_id, {"row_number": 1, "raw": raw, "reason": reason})


def merge(
    con: duckdb.DuckDBPyConnection,
    tmp: Path,
    rows: list[dict[str, Any]],
    at: dt.datetime,
    complete: bool = True,
    quarantined: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Begin, stage and merge one run of `rows` (and `quarantined` rows) at `at`, complete unless
    told; checks the history's rules after. Returns the run's figures as the warehouse records them
    (the `run_figures` view: what it changed is counted there)."""
    run_id = begin_run(con, "http://x/", at, 1)
    rows_file, rejected_file = stage(tmp / str(run_id), rows, quarantined)
    status = "ok" if complete else "partial"
    merge_run(con, run_id, at, rows_file, rejected_file, complete, status, RunFigures())
    assert_history_consistent(con)
    return recorded_figures(con, run_id)
