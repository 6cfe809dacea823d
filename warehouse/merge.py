"""Merge a staged run into the history: one transaction, set-based SQL from the merge*.sql files.

Time only moves forward: a run is observed after every run before it. A refresh checks its clock
against `last_run_start` before it records anything; the merge itself refuses a run dated before
the versions it would close (`TimeOrderError`), the last guard against inverted intervals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TypedDict, Unpack

import duckdb

from pipelines.stage import REJECTED_COLUMNS, ROW_COLUMNS
from warehouse.db import sql_file, transaction
from warehouse.identity import break_conflicts, link_renames
from warehouse.runs import RunFigures, settle_run


class TimeOrderError(ValueError):
    """The run is dated before a version it would close: that version would end before it began."""


def last_run_start(con: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    """When the latest run started (any status): a new run must be observed after it."""
    row = con.execute("select max(started_at) from runs").fetchone()
    return row[0] if row else None


def load_stage(con: duckdb.DuckDBPyConnection, rows_file: Path, rejected_file: Path) -> None:
    """Temp tables `stage_rows` and `stage_rejected` from a run's staged files, typed as the stage
    declares them (pipelines/stage.py).

    Refuses staged rows whose cluster key repeats: the pipeline dedupes, so a repeat means the
    file is not what the pipeline wrote.
    """
    con.execute(sql_file("merge_stage_rows.sql"), {"path": str(rows_file), "columns": ROW_COLUMNS})
    con.execute(sql_file("merge_stage_rejected.sql"), {"path": str(rejected_file), "columns": REJECTED_COLUMNS})
    dupes = con.execute("select count(*) - count(distinct (country_key, name_key)) from stage_rows").fetchone()
    if dupes and dupes[0]:
        raise ValueError(f"the staged rows {rows_file} hold {dupes[0]} rows whose cluster key repeats")


class MergeOptions(TypedDict, total=False):
    """What a caller may add to a merge. `message`: the run's message. `archive`: stores the
    run's fetched pages in the same transaction. `finished_at`: defaults to now (a replay passes the
    original time). `before_commit`: runs inside the transaction after every write (a test hook:
    the crash tests kill the process there)."""

    message: str | None
    archive: Callable[[duckdb.DuckDBPyConnection], None] | None
    finished_at: dt.datetime | None
    before_commit: Callable[[], None] | None


def merge_run(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    observed_at: dt.datetime,
    rows_file: Path,
    rejected_file: Path,
    complete: bool,
    status: str,
    figures: RunFigures,
    **options: Unpack[MergeOptions],
) -> RunFigures:
    """Load the staged rows and quarantine of `run_id`, update the history, settle the run.

    All of it commits together or not at all. Only a complete run closes the versions of the
    clusters it did not see; a cluster whose row it quarantined was seen.
    """
    try:
        load_stage(con, rows_file, rejected_file)
        return merge_staged(con, run_id, observed_at, complete, status, figures, **options)
    finally:
        for table in ("stage_rows", "stage_rejected"):
            con.execute(f"drop table if exists temp.{table}")


def merge_staged(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    observed_at: dt.datetime,
    complete: bool,
    status: str,
    figures: RunFigures,
    **options: Unpack[MergeOptions],
) -> RunFigures:
    """`merge_run` once `load_stage` has filled `stage_rows` and `stage_rejected`: one transaction.

    The history is matched on the identity key in one pass (merge_delta.sql); renames are decided
    on that small delta (warehouse/identity.py), merge_outcome.sql classifies it and merge.sql
    writes it, unless the run is dated before a version it would close (TimeOrderError).
    """
    try:
        with transaction(con):
            params = {"run_id": run_id, "observed_at": observed_at, "complete": complete}
            con.execute(sql_file("merge_params.sql"), params)
            figures.new_portfolios = [r[0] for r in con.execute(sql_file("merge_new_portfolios.sql")).fetchall()]
            con.execute(sql_file("merge_quarantine.sql"))
            break_conflicts(con, run_id, observed_at)
            con.execute(sql_file("merge_delta.sql"))
            if complete:
                link_renames(con, run_id, observed_at)
            con.execute(sql_file("merge_outcome.sql"))
            closes_from = con.execute(sql_file("merge_closes_from.sql")).fetchone()
            if closes_from and closes_from[0] is not None and observed_at < closes_from[0]:
                raise TimeOrderError(
                    f"run {run_id} is dated {observed_at}, before {closes_from[0]}, when a version it would close began"
                )
            con.execute(sql_file("merge.sql"))
            if (archive := options.get("archive")) is not None:
                archive(con)
            settle_run(con, run_id, status, figures, options.get("message"), options.get("finished_at"))
            if (before_commit := options.get("before_commit")) is not None:
                before_commit()
    finally:
        for table in ("params", "delta", "outcome"):
            con.execute(f"drop table if exists temp.{table}")
    return figures
