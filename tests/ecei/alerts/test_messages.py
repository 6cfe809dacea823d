"""Messages a person can act on: a message of one alert is titled by its cluster and what happened,
an alert that reaches nobody is recorded as reaching nobody, and a renewal window that has closed is
said to have closed. A real warehouse, real refreshes, a real webhook receiver on loopback."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from ecei.alerts import kinds as alert_kinds
from ecei.alerts.channels import send
from ecei.alerts.digest import render_digest
from ecei.alerts.run import run_alerts
from ecei.history.status import status
from ecei.outputs.feeds import alert_content
from ecei.settings import Settings
from tests.conftest import query
from tests.ecei.alerts.conftest import Reader
from tests.receivers import Mailbox, Webhook, _handler, _serving
from tests.warehouse.staged_runs import T0, merge, row
from warehouse.alerts import Alert
from warehouse.db import connect

# eight days after the second refresh (T0 + 1 day): the watcher is stale (ECEI_STALE_DAYS is 3)
TODAY = dt.date(2024, 1, 10)
FIRST = [
    row("Arctic", "2024-02-01"),  # expiring: 22 days left
    row("Coast", "2023-12-20"),  # lapsed 21 days ago
    row("Delta", "2024-06-01"),  # renewed by the second refresh
    row("Echo", "2024-09-01"),  # delisted by the second refresh
]
SECOND = [row("Arctic", "2024-02-01"), row("Coast", "2023-12-20"), row("Delta", "2025-06-01")]
EACH = "subscriptions:\n  - name: norway-desk\n    notify: ${DESK_HOOK}\n    countries: [norway]\n    mode: each\n"


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Settings, Webhook]]:
    """Two refreshes and one subscriber, `each` and Norway only, with a real webhook of its own."""
    hook = Webhook()
    with _serving(_handler(hook), "desk") as hook.port:
        monkeypatch.setenv("DESK_HOOK", hook.url("hooks/desk-TOKEN"))
        db = tmp_path / "w.duckdb"
        for day, rows in enumerate((FIRST, SECOND)):
            with closing(connect(db)) as con:
                merge(con, tmp_path / f"stage-{day}", rows, T0 + dt.timedelta(days=day))
        subscriptions = tmp_path / "subscriptions.yaml"
        subscriptions.write_text(EACH, encoding="utf-8")
        yield Settings(db=db, subscriptions=subscriptions), hook


def test_each_message_is_titled_by_its_cluster_and_what_happened(desk: tuple[Settings, Webhook]) -> None:
    settings, hook = desk
    result = run_alerts(settings, TODAY, [90, 30, 7])
    assert result.status == "ok", result.message
    assert sorted(post["title"] for post in hook.posts) == [
        "ecei-watch: Arctic expires on 2024-02-01",
        "ecei-watch: Coast lapsed on 2023-12-20",
        "ecei-watch: Delta renewed until 2025-06-01",
        "ecei-watch: Echo no longer listed",
    ]
    for post in hook.posts:  # each title is its own alert's
        (only,) = post["alerts"]
        assert only["name"] in post["title"]


def test_an_alert_no_subscriber_wants_is_recorded_as_reaching_nobody(desk: tuple[Settings, Webhook]) -> None:
    settings, hook = desk
    result = run_alerts(settings, TODAY, [90, 30, 7])
    assert result.status == "ok", result.message
    assert "stale" in {a.kind for a in result.raised}  # the watcher's alert: no country, so the desk's filter drops it
    assert all(a["kind"] != "stale" for post in hook.posts for a in post["alerts"])
    stale = query(
        settings.db,
        "select delivered_at, unreached_why, attempts from alert_log where kind = 'stale'",
    )
    assert stale == [(None, "no recipient wanted it", 0)]
    assert query(settings.db, "select count(*) from alert_deliveries as d join alert_log using (alert_id) "
                 "where kind = 'stale'") == [(0,)]  # fmt: skip
    delivered = query(settings.db, "select count(*) from alert_log where kind <> 'stale' and delivered_at is not null")
    assert delivered == [(4,)]
    assert status(settings).pending == 0  # nothing waits for anyone: the ledger says why it reached nobody
    again = run_alerts(settings, TODAY, [90, 30, 7])
    assert (again.raised, again.due, len(hook.posts)) == ([], [], 4)


def lapsed(closes: dt.date) -> Alert:
    """A lapsed alert raised 5 days after its label lapsed, as read that day."""
    return Alert(
        "lapsed:x:2021-09-20", "lapsed", "x", "Spain", "Tèxtils", "Textile", None, dt.date(2021, 9, 20), None, None,
        -5, closes, None, read_on=TODAY, renewal_window="open",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("today", "said"),
    [
        (dt.date(2021, 9, 25), "lapsed 5 days ago, renewal window closes 2022-09-20"),
        # the days are counted to the day it is read, not the day it was raised (days_left -5)
        (dt.date(2022, 9, 20), "lapsed 365 days ago, renewal window closes 2022-09-20"),  # its last day
        (dt.date(2026, 12, 6), "lapsed 1903 days ago, the renewal window closed on 2022-09-20"),
    ],
)
def test_a_renewal_window_is_never_named_ahead_once_it_has_closed(read: Reader, today: dt.date, said: str) -> None:
    (alert,) = read([lapsed(dt.date(2022, 9, 20))], today)
    assert alert_kinds.note(alert) == said
    digest = render_digest([alert], today)
    assert said in digest.body_html and digest.fields["alerts"][0]["note"] == said


def test_a_digest_of_several_alerts_keeps_its_count_in_the_title() -> None:
    a, b = lapsed(dt.date(2022, 9, 20)), lapsed(dt.date(2022, 9, 20))
    assert render_digest([a, b], TODAY).title == f"ecei-watch: 2 label alerts ({TODAY.isoformat()})"


@pytest.mark.parametrize(
    ("changes", "title"),
    [
        ({"name": "Arena\nLegasea"}, "ecei-watch: Arena Legasea lapsed on 2021-09-20"),  # one line, whatever the name
        ({"name": None}, "ecei-watch: ? lapsed on 2021-09-20"),
        (
            {"kind": "stale", "name": None, "detail": "no refresh has run yet"},
            "ecei-watch: stale data: no refresh has run yet",
        ),
    ],
)
def test_a_title_is_one_line(changes: dict[str, Any], title: str) -> None:
    alert = lapsed(dt.date(2022, 9, 20))
    for k, v in changes.items():
        setattr(alert, k, v)
    assert render_digest([alert], TODAY).title == title


def test_a_title_blended_into_an_html_body_is_text_there(webhook: Webhook) -> None:
    # HumHub takes no title: Apprise writes it into the message's HTML, read as that body's HTML
    alert = lapsed(dt.date(2022, 9, 20))
    alert.name = "Arena <img src=x onerror=alert(1)> & Co"
    digest = render_digest([alert], TODAY)
    assert (
        send(f"humhub://TOKEN-1234@127.0.0.1:{webhook.port}/1?format=html", digest.title, digest.body_html, 5) is None
    )
    (post,) = webhook.posts
    message = post["data"]["message"]
    assert "<img" not in message
    assert "<b>ecei-watch: Arena &lt;img src=x onerror=alert(1)&gt; &amp; Co lapsed on 2021-09-20</b>" in message


def test_a_mail_subject_is_the_title_as_written(smtp: Mailbox) -> None:
    alert = lapsed(dt.date(2022, 9, 20))
    alert.name = "Cluster Gesundheit & Wellness"
    digest = render_digest([alert], TODAY)
    assert send(smtp.url(), digest.title, digest.body_html, 5) is None
    (message,) = smtp.messages
    assert message["Subject"] == "ecei-watch: Cluster Gesundheit & Wellness lapsed on 2021-09-20"


def test_a_feed_written_after_the_window_closed_says_so(read: Reader) -> None:
    alert = lapsed(dt.date(2022, 9, 20))
    assert "renewal window closes 2022-09-20" in alert_content(*read([alert], dt.date(2022, 1, 1)))
    assert "the renewal window closed on 2022-09-20" in alert_content(*read([alert], dt.date(2026, 12, 6)))
