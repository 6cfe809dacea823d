"""Points in time as people write them, resolved against a real warehouse, and timestamps as ecei prints them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ecei.moments import Edge, UnknownRun, instant, parse_when, span, stamp
from tests.warehouse.staged_runs import merge, row
from warehouse.db import connect


@pytest.mark.parametrize(
    ("text", "day", "at", "run_id"),
    [
        ("2018-10-15", dt.date(2018, 10, 15), None, None),
        ("2018-10-15T09:30", None, dt.datetime(2018, 10, 15, 9, 30), None),
        ("2018-10-15 09:30:00+02:00", None, dt.datetime(2018, 10, 15, 7, 30), None),
        ("2018-10-15T09:30:00Z", None, dt.datetime(2018, 10, 15, 9, 30), None),
        ("run:12", None, None, 12),
        ("RUN 7", None, None, 7),
        ("run#3", None, None, 3),
    ],
)
def test_a_point_is_a_day_a_timestamp_in_utc_or_a_run(text, day, at, run_id):
    when = parse_when(text)
    assert (when.day, when.at, when.run_id) == (day, at, run_id)


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2017", dt.date(2017, 1, 1), dt.date(2017, 12, 31)),
        ("2017-06", dt.date(2017, 6, 1), dt.date(2017, 6, 30)),
        ("2016-2", dt.date(2016, 2, 1), dt.date(2016, 2, 29)),
        ("2018-10-15", dt.date(2018, 10, 15), dt.date(2018, 10, 15)),
    ],
)
def test_a_year_or_a_month_starts_with_its_first_day_and_ends_with_its_last(text, first, last):
    when = parse_when(text)
    assert (when.day, when.final_day, when.run_id) == (first, last, None)


NOW = dt.datetime(2021, 9, 15, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("30d", dt.datetime(2021, 8, 16, 12, 0)),
        ("2w ago", dt.datetime(2021, 9, 1, 12, 0)),
        ("6m", dt.datetime(2021, 3, 15, 12, 0)),
        ("6 months ago", dt.datetime(2021, 3, 15, 12, 0)),
        ("1y", dt.datetime(2020, 9, 15, 12, 0)),
        ("yesterday", dt.datetime(2021, 9, 14, 12, 0)),
    ],
)
def test_a_time_ago_counts_back_from_now(text, at):
    assert parse_when(text, now=NOW).at == at


@pytest.mark.parametrize("text", ["12", " 3 ", "-1", "+7"])
def test_a_bare_number_is_never_a_run_id(text):
    with pytest.raises(ValueError, match=r"a bare number is a year \(run:\d+ names a run\)") as caught:
        parse_when(text)
    assert repr(text) in str(caught.value)


@pytest.mark.parametrize("text", ["", "2018-13-01", "2018/10/15", "run:", "2017-13", "0000", "soon"])
def test_anything_else_names_the_forms_it_takes(text):
    with pytest.raises(ValueError, match="run id") as caught:
        parse_when(text)
    assert repr(text) in str(caught.value)


def test_a_point_resolves_against_the_warehouse(tmp_path: Path):
    con = connect(tmp_path / "w.duckdb")
    first = dt.datetime(2018, 10, 15, 9, 0)
    merge(con, tmp_path, [row("A")], first)
    merge(con, tmp_path, [row("A"), row("B")], dt.datetime(2018, 10, 16, 9, 0))
    tick = dt.timedelta(microseconds=1)
    day = parse_when("2018-10-15")
    assert instant(con, day, Edge.START) == dt.datetime(2018, 10, 15) - tick
    assert instant(con, day, Edge.END) == dt.datetime(2018, 10, 16) - tick
    month = parse_when("2018-10")  # a period: from before its first day to the end of its last
    assert instant(con, month, Edge.START) == dt.datetime(2018, 10, 1) - tick
    assert instant(con, month, Edge.END) == dt.datetime(2018, 11, 1) - tick
    assert instant(con, parse_when("run:1")) == first
    listed = lambda t: sorted(r[0] for r in con.execute("select name from clusters_as_of(?)", [t]).fetchall())  # noqa: E731
    # the day's run counts as after its start and before its end; run 1 is the list right after run 1
    assert listed(instant(con, day, Edge.START)) == []
    assert listed(instant(con, day, Edge.END)) == ["A"]
    assert listed(instant(con, parse_when("run:1"))) == ["A"]
    assert listed(instant(con, parse_when("run:2"))) == ["A", "B"]
    with pytest.raises(UnknownRun, match="runs are 1 to 2"):
        instant(con, parse_when("run:9"))


def test_a_timestamp_is_written_one_way_with_its_zone():
    assert stamp(dt.datetime(2018, 10, 15, 9, 30, 5, 123)) == "2018-10-15T09:30:05Z"
    aware = dt.datetime(2018, 10, 15, 11, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert stamp(aware) == "2018-10-15T09:30:00Z"
    assert stamp(None) is None


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (dt.timedelta(0), "0 s"),
        (dt.timedelta(seconds=45), "45 s"),
        (dt.timedelta(minutes=3, seconds=12), "3 min 12 s"),
        (dt.timedelta(hours=2, minutes=5, seconds=59), "2 h 5 min"),
        (dt.timedelta(hours=2, seconds=3), "2 h"),
        (dt.timedelta(days=1), "1 day"),
        (dt.timedelta(days=3, hours=4, minutes=3), "3 days 4 h"),
        (dt.timedelta(days=365 * 5 + 76, hours=3), "5 years 76 days"),
        (dt.timedelta(days=365), "1 year"),
        (-dt.timedelta(seconds=90), "1 min 30 s"),
    ],
)
def test_a_length_of_time_in_words(delta: dt.timedelta, words: str) -> None:
    assert span(delta) == words
