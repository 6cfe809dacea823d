"""What changed between two points in time: the net difference between the list as it stood at one
point and the list at another, cluster by cluster, with the fields that changed, before and after.

Each point is resolved by ecei.moments (a day, a timestamp or a run id) into the instant whose list
`clusters_as_of` gives; a cluster missed by a partial run in between is still listed (a partial run
closes nothing), so it is not removed. What happened to each cluster (its kind, `renewed`, the fields
and the words) is the table macro what_happened (warehouse/semantics/what_happened.sql); the kinds'
names and order are ecei.change_kinds'.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ecei import change_kinds
from ecei.moments import Edge, When, instant, stamp
from ecei.outcome import Refused, Status
from warehouse.db import open_when_free, sql_file
from warehouse.runs import utcnow

if TYPE_CHECKING:
    from ecei.query_settings import QuerySettings
    from ecei.settings import Settings

Row = dict[str, Any]

# the fields a cluster's version holds, in the order a change lists them
FIELDS: tuple[str, ...] = ("name", "country", "country_id", "portfolio", "website", "valid_until")


class UntilBeforeSince(Refused):
    """--until names an earlier instant than --since: a usage error (exit 2)."""


@dataclass(frozen=True)
class Point:
    """One end of the comparison: as given (None: the latest list) and the instant it resolved to."""

    given: str | None
    at: dt.datetime  # naive UTC, as clusters_as_of takes it

    @property
    def stamp(self) -> str:
        return stamp(self.at) or ""

    @property
    def words(self) -> str:
        """How a heading names it: `2018-01-01 (2017-12-31T23:59:59Z)`, `the latest list (...)`."""
        said = self.given if self.given is not None else "the latest list"
        return f"{said} ({self.stamp})"


@dataclass
class ChangesResult:
    status: Status
    since: Point
    until: Point
    country_ids: list[str] | None  # the countries asked for; None: every country
    countries: list[str] | None  # their names
    changes: list[Row] = field(default_factory=list)  # one per cluster, ordered as change_kinds.KINDS

    def counts(self) -> dict[str, int]:
        """How many clusters of each kind, every kind named (in change_kinds.KINDS order), and renewed."""
        found = {k.name: 0 for k in change_kinds.KINDS}
        for row in self.changes:
            found[row["change"]] += 1
        found[change_kinds.RENEWED.name] = sum(1 for row in self.changes if row["renewed"])
        return found


def changes_between(con: Any, since: Point, until: Point, country_ids: list[str] | None = None) -> list[Row]:
    """The clusters that differ between the two lists (report/changes_between.sql), one row each."""
    cur = con.execute(
        sql_file("report/changes_between.sql"),
        {
            "since_at": since.at,
            "until_at": until.at,
            "country_ids": country_ids,
            "kinds": change_kinds.names(),
        },
    )
    columns = [d[0] for d in cur.description]
    return [dict(zip(columns, r, strict=True)) for r in cur.fetchall()]


def changes(
    settings: Settings | QuerySettings, since: When, until: When | None = None, country: str | None = None
) -> ChangesResult:
    """The changes from the list at `since` to the list at `until` (None: the latest list), in the
    warehouse opened read-only. Refused for an unknown run or country, or an `until` before `since`."""
    with closing(open_when_free(settings.db, settings.busy_timeout, read_only=True)) as con:
        start = Point(since.text, instant(con, since, Edge.START))
        # the latest list is every open version: now, as the warehouse's clock reads it
        end = Point(until.text, instant(con, until, Edge.END)) if until is not None else Point(None, utcnow())
        if end.at < start.at:
            raise UntilBeforeSince(f"--until {end.words} is before --since {start.words}: give the earlier point first")
        ids = names = None
        if country is not None:
            from ecei.history.names import known_countries, resolve_country  # only a country needs it

            ids = resolve_country(con, country)
            names = sorted({name for name, i in known_countries(con) if i in ids})
        rows = changes_between(con, start, end, ids)
    return ChangesResult(Status.OK, start, end, ids, names, rows)


def account_lines(account: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The parts of a change's `account` (warehouse/semantics/what_happened.sql), cut into its lines at
    each `break` part: a field a line for a change, one line for an addition or a removal."""
    lines: list[list[dict[str, Any]]] = [[]]
    for part in account:
        if part["part"] == "break":
            lines.append([])
        else:
            lines[-1].append(part)
    return lines


def account_text(
    account: list[dict[str, Any]],
    value: Callable[[Any], str] = str,
    field: Callable[[str], str] = str,
    arrow: str = "->",
    sep: str = "; ",
) -> str:
    """What happened to one cluster, in words: the account what_happened.sql wrote, each surface
    writing values (`value`: a value, a value before or after) and field names (`field`) its own way.
    It decides nothing: which kind, which fields and whether renewed are the SQL's."""
    written: dict[str, Callable[[Any], str]] = {
        "text": str,
        "field": field,
        "value": value,
        "old": value,
        "new": value,
        "arrow": lambda _: arrow,
    }
    return sep.join("".join(written[p["part"]](p["text"]) for p in line) for line in account_lines(account))
