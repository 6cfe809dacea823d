"""One cluster's versions, found by the name it had in any version (and optionally its country)."""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

import duckdb

from ecei.outcome import Status
from ecei.settings import Settings
from pipelines.keys import country_key, name_key
from warehouse.db import open_when_free, sql_file

Row = dict[str, Any]


def _same_country(given: str, country: str, country_id: str) -> bool:
    return given.strip().casefold() == country.casefold() or country_key(given) == country_key(country_id)


def find_clusters(con: duckdb.DuckDBPyConnection, name: str, country: str | None = None) -> list[str]:
    """Ids of the clusters that were ever listed under `name`, compared as the identity compares names.

    `country` matches the country's name (case-insensitive) or its id (dashes and case ignored).
    """
    candidates = con.execute("select distinct cluster_id, name, country, country_id from cluster_history").fetchall()
    wanted = name_key(name)
    found: list[str] = []
    for cluster_id, seen_name, seen_country, seen_country_id in candidates:
        if name_key(seen_name) != wanted:
            continue
        if country is not None and not _same_country(country, seen_country, seen_country_id):
            continue
        if cluster_id not in found:
            found.append(cluster_id)
    return sorted(found)


def similar_names(con: duckdb.DuckDBPyConnection, name: str, limit: int = 10) -> list[tuple[str, str]]:
    """(name, country) of clusters whose name contains the words given, to suggest on a miss."""
    words = name_key(name).split()
    if not words:
        return []
    rows = con.execute("select distinct name, country from cluster_history order by country, name").fetchall()
    hits = [(n, c) for n, c in rows if all(w in name_key(n) for w in words)]
    return hits[:limit]


def cluster_versions(con: duckdb.DuckDBPyConnection, cluster_ids: list[str]) -> list[Row]:
    """Every version of these clusters, oldest first, with what each version changed."""
    cur = con.execute(sql_file("report/history.sql"), {"cluster_ids": cluster_ids})
    columns = [d[0] for d in cur.description]
    return [dict(zip(columns, r, strict=True)) for r in cur.fetchall()]


@dataclass
class Timeline:
    cluster_id: str
    versions: list[Row]  # oldest first, each with what it changed (report/history.sql)


@dataclass
class HistoryResult:
    """`ok` with one timeline per cluster that had the name, or `failed` with names to suggest."""

    status: Status
    timelines: list[Timeline] = field(default_factory=list)
    similar: list[tuple[str, str]] = field(default_factory=list)  # (name, country)


def history(settings: Settings, name: str, country: str | None = None) -> HistoryResult:
    """The timelines of the clusters ever listed as `name`, read from the warehouse opened read-only."""
    with closing(open_when_free(settings.db, settings.busy_timeout, read_only=True)) as con:
        ids = find_clusters(con, name, country)
        if not ids:
            return HistoryResult(Status.FAILED, similar=similar_names(con, name))
        versions = cluster_versions(con, ids)
    timelines = [Timeline(i, [v for v in versions if v["cluster_id"] == i]) for i in ids]
    return HistoryResult(Status.OK, timelines)
