"""Quarantine is not absence: a row the page showed but the contract rejected keeps its cluster listed.

The mirror on loopback serves the snapshot already loaded, its dates rewritten: every date in
another format (the site changed how it writes them), or one impossible date on one row.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from ecei.alerts.run import run_alerts
from ecei.demo.mirror import Fault, Mirror, demo_site
from ecei.refresh.result import RefreshResult
from ecei.refresh.run import refresh
from ecei.settings import Settings
from pipelines.keys import country_key, name_key
from tests.conftest import COUNTRY_PATH, NORWAY, query

SNAPSHOT = "2018-10"
DATE = re.compile(rb"<td>(\d{4})/(\d{2})/(\d{2})</td>")
TODAY = dt.date(2018, 11, 1)


def dates_in_words(body: bytes) -> bytes:
    """Every label date as `24 July 2016`: a format the contract does not read."""

    def words(m: re.Match[bytes]) -> bytes:
        day = dt.date(int(m[1]), int(m[2]), int(m[3]))
        return b"<td>%d %s %d</td>" % (day.day, day.strftime("%B").encode(), day.year)

    rewritten, count = DATE.subn(words, body)
    assert count, "the page holds no date to rewrite"
    return rewritten


def first_date_impossible(body: bytes) -> bytes:
    return DATE.sub(b"<td>2021/02/30</td>", body, count=1)


def refresh_with(
    settings: Settings, mirror: Mirror, rewrite: Callable[[bytes], bytes], paths: list[str]
) -> RefreshResult:
    mirror.switch(demo_site(SNAPSHOT))
    mirror.faults = {path: Fault(rewrite=rewrite) for path in paths}
    return refresh(settings)


def country_paths(mirror: Mirror) -> list[str]:
    mirror.switch(demo_site(SNAPSHOT))
    return [p for p in mirror.routes() if p.startswith(COUNTRY_PATH)]


def open_versions(settings: Settings) -> list[tuple[object, ...]]:
    return query(settings.db, "select * from versions where valid_to is null order by all")


def test_dates_in_another_format_quarantine_every_row_and_close_nothing(
    settings: Settings, mirror: Mirror, start_from: Callable[[str], None]
) -> None:
    start_from(SNAPSHOT)
    assert run_alerts(settings, today=TODAY, notify=[]).status == "ok"  # the first run's alerts are behind us
    before = open_versions(settings)

    result = refresh_with(settings, mirror, dates_in_words, country_paths(mirror))

    f = result.figures
    assert f.rows_seen == f.stated_total == f.rows_rejected > 0 and f.rows_loaded == 0
    assert result.status == "partial"
    assert result.message is not None
    assert f"{f.rows_rejected} of {f.rows_seen} rows (100%) were quarantined" in result.message
    assert "ECEI_MAX_REJECTED_SHARE (10%)" in result.message
    assert result.recorded["removed"] == result.recorded["changed"] == result.recorded["renamed"] == 0
    assert open_versions(settings) == before
    alerts = run_alerts(settings, today=TODAY, notify=[])
    assert [a for a in alerts.raised if a.kind == "delisted"] == []


def test_a_complete_run_does_not_close_the_clusters_of_its_rejected_rows(
    settings: Settings, mirror: Mirror, start_from: Callable[[str], None]
) -> None:
    # with the share allowed, every row rejected makes a complete run: the keys alone keep them open
    start_from(SNAPSHOT)
    before = open_versions(settings)
    result = refresh_with(
        settings.model_copy(update={"max_rejected_share": 1.0}), mirror, dates_in_words, country_paths(mirror)
    )
    assert result.status == "ok", result.message
    assert (result.recorded["removed"], result.recorded["renamed"]) == (0, 0)
    assert open_versions(settings) == before


def test_one_impossible_date_keeps_its_cluster_open_with_its_old_values(
    settings: Settings, mirror: Mirror, start_from: Callable[[str], None]
) -> None:
    start_from(SNAPSHOT)
    before = open_versions(settings)

    result = refresh_with(settings, mirror, first_date_impossible, [COUNTRY_PATH + NORWAY])

    assert result.status == "ok", result.message
    assert (result.recorded["removed"], result.recorded["changed"], result.recorded["added"]) == (0, 0, 0)
    assert open_versions(settings) == before
    rejected = query(
        settings.db,
        "select raw->>'name', raw->>'country_id', country_key, name_key, reason from rejected_rows "
        "where run_id = ? and reason like '%valid_until%'",
        [result.run_id],
    )
    assert len(rejected) == 1
    name, country_id, stored_country_key, stored_name_key, _reason = rejected[0]
    assert (stored_country_key, stored_name_key) == (country_key(country_id), name_key(name))
    kept = query(
        settings.db,
        "select valid_until, valid_to, run_from from versions where country_key = ? and name_key = ?",
        [stored_country_key, stored_name_key],
    )
    assert kept == [(kept[0][0], None, 1)] and kept[0][0] != dt.date(2021, 2, 28)


def test_an_empty_name_is_quarantined_without_a_key_and_the_share_is_a_setting(
    settings: Settings, mirror: Mirror, start_from: Callable[[str], None]
) -> None:
    # the snapshot itself holds a row whose name is empty: its quarantine row names its country only
    start_from(SNAPSHOT)
    mirror.switch(demo_site(SNAPSHOT))
    result = refresh(settings.model_copy(update={"max_rejected_share": 0.0}))
    keys = query(
        settings.db,
        "select country_key, name_key from rejected_rows where run_id = ? and reason = 'name: empty'",
        [result.run_id],
    )
    assert len(keys) == 1 and keys[0][0] and keys[0][1] is None
    assert result.status == "partial"
    assert result.message == "1 of 75 rows (1.3%) were quarantined, more than ECEI_MAX_REJECTED_SHARE (0%) allows"
