"""Points in time as people write them, and timestamps as ecei writes them: one owner for both.

A point (`--since`, `--until`, `--as-of`) is a day (`2018-10-15`), a timestamp (`2018-10-15T09:30`,
`2018-10-15 09:30:00+02:00`; without a zone it is UTC) or a run id (`run:12`, or a bare `12`).
Resolved against a warehouse it becomes the instant whose list `clusters_as_of` returns:

- a day, as a start (`--since`): the list as it stood just before the day began, so the day's
  changes count as after it;
- a day, as an end (`--until`, `--as-of`): the list at the end of the day, after every run of it;
- a timestamp: the list at that instant;
- a run id: the list right after that run (its versions start at the run's start).

The warehouse stores naive UTC timestamps; every timestamp ecei prints (tables, CSV, JSON, HTML) goes
through `stamp`, so it reads the same everywhere and carries its zone: `2018-10-15T09:30:00Z`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ecei.outcome import Refused

UTC = dt.UTC
_TICK = dt.timedelta(microseconds=1)
# patterns, compiled by `re` the first time one is matched (its cache): a command that reads no
# point in time (`ecei status`) compiles none, one that reads a year compiles two
_RUN = r"(?i)run[:#\s]\s*(\d{1,9})"  # a run id carries its word: a bare number is a year
_YEAR = r"\d{4}"
_MONTH = r"(\d{4})-(\d{1,2})"
_BARE = r"[+-]?\d+"
_COMPACT = r"(?i)(\d{1,6})\s*([dwmy])(?:\s+ago)?"  # 30d, 6m, 2w ago, 1y
_UNITS = {"d": "days", "w": "weeks", "m": "months", "y": "years"}
_RELATIVE = r"(?i)(?:\d{1,6}\s+\w+\s+ago|yesterday|today|now|last\s+\w+)"


class Edge(StrEnum):
    """Which end of a day a day stands for."""

    START = "start"  # --since: just before the day began
    END = "end"  # --until, --as-of: the day's end


@dataclass(frozen=True)
class When:
    """A point as given: exactly one of `day`, `at` (naive UTC) or `run_id` is set. A year or a month
    is a `day` (its first) with the period's `last_day`: it starts with its first day and ends with its last."""

    text: str
    day: dt.date | None = None
    at: dt.datetime | None = None
    run_id: int | None = None
    last_day: dt.date | None = None

    @property
    def final_day(self) -> dt.date | None:
        """The last day the point covers: the period's, or the day itself."""
        return self.last_day or self.day


class UnknownRun(Refused):
    """A run id that the warehouse has no run for: refused, as a usage error is (exit 2)."""


HELP = (
    "a year (2017), a month (2017-06), a day (2017-06-30), a timestamp YYYY-MM-DDTHH:MM[:SS][+HH:MM] (UTC when "
    "no zone is given), a run id (run:12) or a time ago (30d, 2w, 6m, 1y, 6 months ago, yesterday)"
)


def parse_when(text: str, now: dt.datetime | None = None) -> When:
    """`text` as a point in time, the one parser of every --since, --until, --as-of and --today;
    ValueError with the accepted forms when it is none of them. A time ago counts back from `now`
    (an aware datetime; default: the clock)."""
    given = text.strip()
    if match := re.fullmatch(_RUN, given):
        return When(given, run_id=int(match.group(1)))
    if re.fullmatch(_YEAR, given):
        year = int(given)
        if year < 1:
            raise ValueError(f"not a point in time: {text!r} (give {HELP})")
        return When(given, day=dt.date(year, 1, 1), last_day=dt.date(year, 12, 31))
    if (match := re.fullmatch(_MONTH, given)) and 1 <= int(match.group(2)) <= 12:
        first = dt.date(int(match.group(1)), int(match.group(2)), 1)
        import calendar  # only a month needs it

        last = calendar.monthrange(first.year, first.month)[1]
        return When(given, day=first, last_day=first.replace(day=last))
    if len(given) == 10:
        try:
            return When(given, day=dt.date.fromisoformat(given))
        except ValueError:
            pass
    if re.fullmatch(_BARE, given):  # 12 is no year: say how to name run 12
        raise ValueError(
            f"not a point in time: {text!r}; a bare number is a year (run:{given.lstrip('+-')} names a run)"
        )
    ago = _ago(given, now)
    if ago is not None:
        return When(given, at=naive_utc(ago))
    try:
        at = dt.datetime.fromisoformat(given)
    except ValueError:
        raise ValueError(f"not a point in time: {text!r} (give {HELP})") from None
    return When(given, at=naive_utc(at))


def _ago(given: str, now: dt.datetime | None) -> dt.datetime | None:
    """A time ago (`30d`, `6 months ago`, `yesterday`), read by dateparser, counted back from `now`."""
    if match := re.fullmatch(_COMPACT, given):
        given = f"{match.group(1)} {_UNITS[match.group(2).lower()]} ago"
    elif not re.fullmatch(_RELATIVE, given):
        return None
    import dateparser  # only a time ago needs it: it takes a third of a second to load

    base = (now or dt.datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    found: dt.datetime | None = dateparser.parse(
        given,
        languages=["en"],
        settings={
            "RELATIVE_BASE": base,
            "TIMEZONE": "UTC",
            "TO_TIMEZONE": "UTC",
            "RETURN_AS_TIMEZONE_AWARE": True,
            "PREFER_DATES_FROM": "past",
            "PARSERS": ["relative-time"],
        },
    )
    if found is None:
        raise ValueError(f"not a point in time: {given!r} (give {HELP})")
    return found


def naive_utc(value: dt.datetime) -> dt.datetime:
    """A timestamp as the warehouse stores it: UTC, without its zone (a naive one is UTC already)."""
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def instant(con: Any, when: When, edge: Edge = Edge.END) -> dt.datetime:
    """The naive UTC instant `when` stands for in the warehouse `con` (see the module's rules).

    `con` is a DuckDB connection; an unknown run id raises UnknownRun naming the runs there are.
    """
    if when.at is not None:
        return when.at
    if when.day is not None:
        if edge is Edge.START:
            return dt.datetime.combine(when.day, dt.time()) - _TICK
        return dt.datetime.combine(when.final_day or when.day, dt.time()) + dt.timedelta(days=1) - _TICK
    found = con.execute("select started_at from crawl_runs where run_id = ?", [when.run_id]).fetchone()
    if found is None:
        first, last = con.execute("select min(run_id), max(run_id) from crawl_runs").fetchone()
        known = "the warehouse has no runs" if first is None else f"runs are {first} to {last}"
        raise UnknownRun(f'no run {when.run_id}: {known} (see `ecei sql "select * from crawl_runs"`)')
    started: dt.datetime = found[0]
    return started


def business_today(zone: str) -> dt.date:
    """Today where the team lives (ECEI_TIMEZONE), the default business day every command judges labels on."""
    from zoneinfo import ZoneInfo  # its import reads Python's build configuration: only a zone's day needs it

    return dt.datetime.now(ZoneInfo(zone)).date()


def judging_day(today: dt.date | None, as_of: dt.datetime | None, zone: str) -> dt.date:
    """The business day a list is judged against: the one given, else the day of the list's instant
    when an earlier list is shown (--as-of), else today in `zone` (ECEI_TIMEZONE). One rule for
    every command that takes --today."""
    if today is not None:
        return today
    return as_of.date() if as_of is not None else business_today(zone)


def stamp(value: dt.datetime | None) -> str | None:
    """A timestamp as ecei writes it everywhere: RFC 3339 in UTC to the second, `2018-10-15T09:30:00Z`.

    A naive value is UTC (the warehouse's convention); an aware one is converted.
    """
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat() + "Z"


def span(delta: dt.timedelta) -> str:
    """A length of time in words, to its two largest units: `45 s`, `3 min 12 s`, `2 h 5 min`,
    `3 days 4 h`, `5 years 76 days` (a year is 365 days); a negative one is its length."""
    seconds = abs(int(delta.total_seconds()))
    units = (("year", 365 * 86400), ("day", 86400), ("h", 3600), ("min", 60), ("s", 1))
    parts: list[str] = []
    for name, size in units:
        count, seconds = divmod(seconds, size)
        if count or parts:
            parts.append(f"{count} {name}{'s' if count != 1 and name in ('year', 'day') else ''}")
        if len(parts) == 2:
            break
    parts = [p for p in parts if not p.startswith("0 ")] or ["0 s"]
    return " ".join(parts)
