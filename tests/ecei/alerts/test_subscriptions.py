"""Subscriptions on hand-made histories, each subscriber with a real webhook receiver of its own:
every one gets exactly the alerts its filters choose, exactly once across runs; a subscriber added
later hears nothing old (its --backlog: what is current); a failing receiver keeps its alerts
pending for it alone; a wrong file is refused naming its line, before anything is raised or sent."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from ecei.alerts.run import run_alerts, send_test_messages
from ecei.history.status import status
from ecei.outcome import Refused
from ecei.settings import Settings
from tests.conftest import query
from tests.receivers import Hooks, Webhook
from tests.warehouse.staged_runs import T0, merge, row
from warehouse.db import connect

TODAY = dt.date(2018, 7, 1)


def place(name: str, valid_until: str, country: str, portfolio: str) -> dict[str, Any]:
    country_id = {"Norway": "c-1", "Sweden": "c-2"}[country]
    return {**row(name, valid_until, portfolio, country_id), "country": country}


LISTED = [
    place("Arctic", "2018-08-01", "Norway", "ICT"),  # 31 days left: expiring, rung 90
    place("Baltic", "2018-07-05", "Sweden", "Tourism"),  # 4 days left: expiring, rung 7
    place("Coast", "2018-06-20", "Norway", "Tourism"),  # lapsed 11 days ago
]


def refresh(db: Path, tmp: Path, rows: list[dict[str, Any]]) -> None:
    with closing(connect(db)) as con:
        start = len(con.execute("select * from runs").fetchall())
        merge(con, tmp / "stage", rows, T0 + dt.timedelta(days=start))


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def received(hook: Webhook) -> Counter[str]:
    """How many times the receiver got each alert, by cluster name and kind."""
    return Counter(f"{a['name']}/{a['kind']}" for post in hook.posts for a in post["alerts"])


SUBSCRIBERS = """\
subscriptions:
  - name: norway-desk
    notify: ${NORWAY_HOOK}
    countries: [norway]
  - name: tourism
    notify: ${TOURISM_HOOK}
    portfolios: [Tourism]
    mode: each
  - name: last-week
    notify: ${WEEK_HOOK}
    kinds: [expiring]
    within: [7]
"""


@pytest.fixture
def subscribed(tmp_path: Path, hooks: Hooks, monkeypatch: pytest.MonkeyPatch) -> tuple[Settings, dict[str, Webhook]]:
    everything, norway, tourism, week = hooks(4)
    monkeypatch.setenv("NORWAY_HOOK", norway.url("hooks/norway-TOKEN-1"))
    monkeypatch.setenv("TOURISM_HOOK", tourism.url("hooks/tourism-TOKEN-2"))
    monkeypatch.setenv("WEEK_HOOK", week.url("hooks/week-TOKEN-3"))
    db = tmp_path / "w.duckdb"
    refresh(db, tmp_path, LISTED)
    file = write(tmp_path / "subscriptions.yaml", SUBSCRIBERS)
    settings = Settings(db=db, notify=[everything.url()], subscriptions=file)
    return settings, {"ECEI_NOTIFY": everything, "norway-desk": norway, "tourism": tourism, "last-week": week}


def test_each_subscriber_gets_exactly_its_alerts_once(subscribed: tuple[Settings, dict[str, Webhook]]) -> None:
    settings, hook = subscribed
    first = run_alerts(settings, TODAY, [90, 30, 7])
    assert first.status == "ok", first.message
    assert sorted(f"{a.name}/{a.kind}" for a in first.raised) == ["Arctic/expiring", "Baltic/expiring", "Coast/lapsed"]
    for _ in range(2):  # the same day again, twice: nobody hears anything twice
        again = run_alerts(settings, TODAY, [90, 30, 7])
        assert (again.status, again.raised, again.due) == ("ok", [], [])

    expected = {
        "ECEI_NOTIFY": {"Arctic/expiring", "Baltic/expiring", "Coast/lapsed"},
        "norway-desk": {"Arctic/expiring", "Coast/lapsed"},
        "tourism": {"Baltic/expiring", "Coast/lapsed"},
        "last-week": {"Baltic/expiring"},
    }
    for name, alerts in expected.items():
        got = received(hook[name])
        assert set(got) == alerts, name
        assert set(got.values()) == {1}, f"{name} got an alert twice: {got}"
    # digests: one message per run; `each`: one message per alert
    assert [len(hook[n].posts) for n in expected] == [1, 1, 2, 1]
    outcomes = {c.subscription: (c.alerts, c.messages, c.delivered, c.pending) for c in first.channels}
    assert outcomes == {
        "ECEI_NOTIFY": (3, 1, 3, 0),
        "norway-desk": (2, 1, 2, 0),
        "tourism": (2, 2, 2, 0),
        "last-week": (1, 1, 1, 0),
    }
    assert first.pending_after == 0
    keys = query(settings.db, "select channel, count(*) from alert_deliveries group by all order by 1")
    assert [k for k, _ in keys][1:] == ["subscription:last-week", "subscription:norway-desk", "subscription:tourism"]


def test_a_failing_receiver_keeps_its_alerts_pending_for_it_alone(
    subscribed: tuple[Settings, dict[str, Webhook]], tmp_path: Path
) -> None:
    settings, hook = subscribed
    run_alerts(settings, TODAY, [90, 30, 7])
    refresh(settings.db, tmp_path, [*LISTED, place("Dovre", "2018-07-20", "Norway", "Tourism")])  # 19 days: rung 30
    hook["norway-desk"].fail = 1
    failed = run_alerts(settings, TODAY, [90, 30, 7])
    assert failed.status == "undelivered" and "norway-desk" in (failed.message or "")
    assert "TOKEN" not in (failed.message or "")
    by_name = {c.subscription: c for c in failed.channels}
    assert (by_name["norway-desk"].error is not None, by_name["norway-desk"].pending) == (True, 1)
    assert [c.pending for n, c in by_name.items() if n != "norway-desk"] == [0, 0, 0]
    assert failed.pending_after == 1  # owed to norway-desk only
    mid = status(settings)
    owed = {c.channel.split(" ")[0]: (c.pending, c.failed) for c in mid.channels}
    assert owed["norway-desk"] == (1, 1) and owed["tourism"] == (0, 0)

    healed = run_alerts(settings, TODAY, [90, 30, 7])
    assert healed.status == "ok" and healed.pending_after == 0
    assert [c.subscription for c in healed.channels if c.delivered] == ["norway-desk"]
    assert received(hook["norway-desk"])["Dovre/expiring"] == 1
    assert received(hook["tourism"])["Dovre/expiring"] == 1 and received(hook["ECEI_NOTIFY"])["Dovre/expiring"] == 1
    assert "Dovre/expiring" not in received(hook["last-week"])  # rung 30, not 7
    for h in hook.values():
        assert set(received(h).values()) <= {1}


def test_a_subscriber_added_later_hears_nothing_old_and_its_backlog_on_request(
    subscribed: tuple[Settings, dict[str, Webhook]], hooks: Hooks, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings, _ = subscribed
    run_alerts(settings, TODAY, [90, 30, 7])
    (late,) = hooks(1)
    monkeypatch.setenv("LATE_HOOK", late.url("hooks/late-TOKEN-4"))
    added = SUBSCRIBERS + "  - name: late\n    notify: ${LATE_HOOK}\n    kinds: [expiring, lapsed]\n"
    later = settings.model_copy(update={"subscriptions": write(tmp_path / "more.yaml", added)})
    assert run_alerts(later, TODAY, [90, 30, 7]).status == "ok"
    assert late.posts == []  # first seen now: the alerts before are not its
    seen = query(settings.db, "select subscription, after_alert_id from subscriptions order by 1")
    assert ("late", 3) in seen and ("norway-desk", 0) in seen

    backlog = run_alerts(later, TODAY, [90, 30, 7], backlog=True)
    assert backlog.status == "ok"
    assert received(late) == Counter({"Arctic/expiring": 1, "Baltic/expiring": 1, "Coast/lapsed": 1})
    assert [c.subscription for c in backlog.channels if c.delivered] == ["late"]  # the others had them
    run_alerts(later, TODAY, [90, 30, 7], backlog=True)
    assert len(late.posts) == 1  # a backlog, too, is sent once

    # a new alert reaches it like everyone else
    refresh(settings.db, tmp_path, [*LISTED, place("Dovre", "2018-07-20", "Norway", "Tourism")])
    run_alerts(later, TODAY, [90, 30, 7])
    assert received(late)["Dovre/expiring"] == 1 and len(late.posts) == 2


def refused(settings: Settings, hooks_used: list[Webhook]) -> str:
    with pytest.raises(Refused) as caught:
        run_alerts(settings, TODAY, [90, 30, 7])
    assert all(h.posts == [] for h in hooks_used), "sent before the file was checked"
    assert query(settings.db, "select count(*) from alert_log") == [(0,)], "raised before the file was checked"
    return str(caught.value)


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ("subscriptions:\n  - name: a\n    notify: [json://x\n", 4, "not valid YAML"),
        ("subscriptions:\n  - name: a\n    notify: json://x\n    colour: red\n", 4, "colour: unknown field"),
        ("subscriptions:\n  - name: a\n    notify: json://x\n\n    kinds: [expiring, exploded]\n", 5, "exploded"),
        ("subscriptions:\n  - name: a\n    notify: json://x\n    mode: sometimes\n", 4, "mode"),
        ("subscriptions:\n  - name: a\n    notify: json://x\n  - name: a\n    notify: json://y\n", 4, "given twice"),
        ("subscribers: []\n", 1, "subscribers: unknown field"),
        # a second `subscriptions:` would silently drop every subscriber above it
        (
            "subscriptions:\n  - name: a\n    notify: json://x\nsubscriptions:\n  - name: b\n    notify: json://y\n",
            4,
            "subscriptions: the key is given twice (first at line 1)",
        ),
        ("subscriptions:\n  - name: a\n    notify: json://x\n    mode: each\n    mode: digest\n", 5, "mode: the key"),
        ("base: &b json://x\nsubscriptions:\n  - name: a\n    notify: *b\n", 1, "&b: anchors and aliases"),
        ("subscriptions:\n  - {name: a, notify: json://x}\n  - *nothing\n", 3, "*nothing: anchors and aliases"),
    ],
)
def test_a_wrong_file_is_refused_naming_its_line_before_anything(
    tmp_path: Path, hooks: Hooks, text: str, line: int, says: str
) -> None:
    (everything,) = hooks(1)
    db = tmp_path / "w.duckdb"
    refresh(db, tmp_path, LISTED)
    settings = Settings(db=db, notify=[everything.url()], subscriptions=write(tmp_path / "s.yaml", text))
    message = refused(settings, [everything])
    assert f"s.yaml, line {line}" in message and says in message, message


def test_an_unset_variable_is_named_never_a_value(
    tmp_path: Path, hooks: Hooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    (everything,) = hooks(1)
    monkeypatch.delenv("NOBODY_SET_THIS", raising=False)
    monkeypatch.setenv("SET_ONE", everything.url("hooks/set-SECRET-TOKEN"))
    db = tmp_path / "w.duckdb"
    refresh(db, tmp_path, LISTED)
    text = "subscriptions:\n  - name: fine\n    notify: ${SET_ONE}\n  - name: broken\n    notify: ${NOBODY_SET_THIS}\n"
    settings = Settings(db=db, subscriptions=write(tmp_path / "s.yaml", text))
    message = refused(settings, [everything])
    assert "line 4 (broken)" in message and "NOBODY_SET_THIS is not set" in message
    assert "SECRET-TOKEN" not in message


def test_countries_and_clusters_must_name_something(tmp_path: Path, hooks: Hooks) -> None:
    (everything,) = hooks(1)
    db = tmp_path / "w.duckdb"
    refresh(db, tmp_path, LISTED)
    url = everything.url()
    text = f"subscriptions:\n  - name: a\n    notify: {url}\n    countries: [Atlantis]\n"
    message = refused(Settings(db=db, subscriptions=write(tmp_path / "s.yaml", text)), [everything])
    assert "line 2 (a): countries: no country 'Atlantis'" in message and "Norway" in message
    text = f"subscriptions:\n  - name: a\n    notify: {url}\n    clusters: [Nowhere]\n"
    message = refused(Settings(db=db, subscriptions=write(tmp_path / "s.yaml", text)), [everything])
    assert "line 2 (a): clusters: no cluster named or with the id 'Nowhere'" in message


def test_clusters_by_name_or_id(tmp_path: Path, hooks: Hooks) -> None:
    by_name, by_id = hooks(2)
    db = tmp_path / "w.duckdb"
    refresh(db, tmp_path, LISTED)
    (baltic,) = query(db, "select distinct cluster_id from cluster_history where name = 'Baltic'")[0]
    text = (
        f"subscriptions:\n  - name: named\n    notify: {by_name.url()}\n    clusters: [arctic]\n"
        f"  - name: by-id\n    notify: {by_id.url()}\n    clusters: ['{baltic}']\n"
    )
    settings = Settings(db=db, subscriptions=write(tmp_path / "s.yaml", text))
    assert run_alerts(settings, TODAY, [90, 30, 7]).status == "ok"
    assert received(by_name) == Counter({"Arctic/expiring": 1})
    assert received(by_id) == Counter({"Baltic/expiring": 1})


def test_the_test_message_reaches_every_subscriber_and_records_nothing(
    subscribed: tuple[Settings, dict[str, Webhook]],
) -> None:
    settings, hook = subscribed
    tried = send_test_messages(settings)
    assert tried.status == "ok"
    assert [c.subscription for c in tried.channels] == list(hook)
    assert all([p["test"] for p in h.posts] == [True] for h in hook.values())
    assert query(settings.db, "select count(*) from subscriptions") == [(0,)]


def test_a_dry_run_reads_the_filters_as_a_run_does(tmp_path: Path, hooks: Hooks) -> None:
    everything, norway = hooks(2)
    db = tmp_path / "w.duckdb"
    refresh(db, tmp_path, LISTED)
    text = f"subscriptions:\n  - name: norway-desk\n    notify: {norway.url()}\n    countries: [norway]\n"
    subscribers = write(tmp_path / "s.yaml", text)
    everything.fail = 1  # ECEI_NOTIFY keeps all three owed; norway-desk takes its two
    first = run_alerts(Settings(db=db, notify=[everything.url()], subscriptions=subscribers), TODAY, [90, 30, 7])
    assert first.status == "undelivered" and sorted(received(norway)) == ["Arctic/expiring", "Coast/lapsed"]
    # without ECEI_NOTIFY, what is still owed is what norway-desk wants and lacks: nothing (Baltic is Swedish)
    alone = Settings(db=db, notify=[], subscriptions=subscribers)
    assert run_alerts(alone, TODAY, [90, 30, 7], dry_run=True).due == []
    with_everything = Settings(db=db, notify=[everything.url()], subscriptions=subscribers)
    owed = run_alerts(with_everything, TODAY, [90, 30, 7], dry_run=True).due
    assert sorted(a.name or "" for a in owed) == ["Arctic", "Baltic", "Coast"]
    # and a file that names nothing is refused by a dry run as by a run
    wrong = write(tmp_path / "wrong.yaml", text.replace("[norway]", "[Atlantis]"))
    with pytest.raises(Refused, match="countries: no country 'Atlantis'"):
        run_alerts(Settings(db=db, notify=[], subscriptions=wrong), TODAY, [90, 30, 7], dry_run=True)


def test_a_file_past_the_cap_is_refused_unread(tmp_path: Path, hooks: Hooks) -> None:
    (everything,) = hooks(1)
    db = tmp_path / "w.duckdb"
    refresh(db, tmp_path, LISTED)
    text = "subscriptions: []\n" + "#" * 2**20 + "\n"
    settings = Settings(db=db, notify=[everything.url()], subscriptions=write(tmp_path / "s.yaml", text))
    assert "larger than 1,048,576 bytes" in refused(settings, [everything])
