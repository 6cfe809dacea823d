"""One cluster's versions, found by any name it was listed under (ecei.history.names), its labels judged
against a business day: a label whose date has passed reads "lapsed on D", any other "valid until D"."""

from __future__ import annotations

import datetime as dt
from contextlib import closing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb

from ecei.history.names import Candidate, match_clusters
from ecei.moments import judging_day
from ecei.outcome import Status
from warehouse.db import open_when_free, sql_file

if TYPE_CHECKING:
    from ecei.query_settings import QuerySettings
    from ecei.settings import Settings

Row = dict[str, Any]


def label_words(valid_until: dt.date, status: str | None) -> str:
    """A label in words by its status on a day (label_status, warehouse/semantics/label_status.sql):
    lapsed after its date, valid through it."""
    if status == "lapsed":
        return f"lapsed on {valid_until.isoformat()}"
    return f"valid until {valid_until.isoformat()}"


def cluster_versions(con: duckdb.DuckDBPyConnection, cluster_ids: list[str], today: dt.date | None = None) -> list[Row]:
    """Every version of these clusters, oldest first, with what each version changed and its label's
    status on `today` (`label_status`; None without a day)."""
    cur = con.execute(sql_file("report/history.sql"), {"cluster_ids": cluster_ids, "today": today})
    columns = [d[0] for d in cur.description]
    return [dict(zip(columns, r, strict=True)) for r in cur.fetchall()]


@dataclass
class Timeline:
    cluster_id: str
    versions: list[Row]  # oldest first, each with what it changed (report/history.sql) and its `label`

    @property
    def last(self) -> Row:
        return self.versions[-1]


@dataclass
class HistoryResult:
    """`ok` with one timeline per cluster the name finds (ecei.history.names.match_clusters: as listed, by a
    part, or with a typo; `how` says which), or `failed` with the clusters it may mean."""

    status: Status
    today: dt.date
    timelines: list[Timeline] = field(default_factory=list)
    nearest: list[Candidate] = field(default_factory=list)  # the clusters meant, each once, best first
    how: str = "name"


def history(
    settings: Settings | QuerySettings, name: str, country: str | None = None, today: dt.date | None = None
) -> HistoryResult:
    """The timelines of the clusters `name` finds (in `country`): listed under it, or one cluster by a
    part of a name or a typo; several clusters, or none, fail with the candidates. Read from the warehouse
    opened read-only, their labels judged against `today` (default: today in ECEI_TIMEZONE). An unknown country
    raises Refused listing the known ones."""
    day = judging_day(today, None, settings.timezone)
    with closing(open_when_free(settings.db, settings.busy_timeout, read_only=True)) as con:
        found = match_clusters(con, name, country)
        ids = found.cluster_ids
        if not ids:
            return HistoryResult(Status.FAILED, day, nearest=found.candidates, how=found.how)
        versions = cluster_versions(con, ids, day)
    for v in versions:
        v["label"] = label_words(v["valid_until"], v["label_status"])
    timelines = [Timeline(i, [v for v in versions if v["cluster_id"] == i]) for i in ids]
    return HistoryResult(Status.OK, day, timelines, found.candidates, found.how)
