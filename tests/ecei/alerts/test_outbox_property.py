"""The outbox's promise, held by hypothesis over random histories: refreshes that change the list,
alerts runs with channels failing or missing, a subscription renamed (with `formerly:`), a warehouse
held by another process after the sends, and an alerts run killed (a real process, SIGKILL) the
moment a receiver has its message. After every step nothing owed is silently dropped (each debt is
delivered, still owed, or closed with a why), nothing delivered was not received, and no recipient
receives an alert twice but under one delivery id (the documented crash window)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import tempfile
from collections import defaultdict
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ecei.alerts.run import run_alerts
from ecei.settings import Settings
from tests.conftest import query
from tests.receivers import Webhook, _handler, _serving
from tests.warehouse.staged_runs import T0, merge, row
from warehouse.db import connect

TODAY = dt.date(2018, 7, 1)
LABELS = ("2018-06-20", "2018-07-05", "2018-08-01", "2030-01-01")  # lapsed, rung 7, rung 90, far
CLUSTERS = ("A", "B", "C")
HOLDER = "import duckdb, sys\ncon = duckdb.connect(sys.argv[1])\nprint('holding', flush=True)\nsys.stdin.readline()\n"
SENDER = """
import datetime as dt, sys
from pathlib import Path
from ecei.alerts.run import run_alerts
from ecei.settings import Settings
notify = [sys.argv[2]] if sys.argv[2] else []
subs = Path(sys.argv[3]) if sys.argv[3] else None
run_alerts(Settings(db=Path(sys.argv[1]), notify=notify, subscriptions=subs), dt.date(2018, 7, 1), [90, 30, 7])
"""

Step = tuple[Any, ...]
steps = st.one_of(
    st.tuples(st.just("refresh"), st.lists(st.tuples(st.sampled_from(CLUSTERS), st.sampled_from(LABELS)), max_size=3)),
    st.tuples(st.just("alerts"), st.booleans(), st.booleans()),  # ECEI_NOTIFY set?, subscriptions set?
    st.tuples(st.just("fail"), st.sampled_from(("main", "desk"))),
    st.tuples(
        st.just("rename"),
    ),
    st.tuples(
        st.just("busy"),
    ),
    st.tuples(
        st.just("kill"),
    ),
)


@dataclass
class World:
    db: Path
    folder: Path
    main: Webhook
    desk: Webhook
    names: list[str] = field(default_factory=lambda: ["desk"])
    runs: int = 0

    def subscriptions(self) -> Path:
        formerly = f"    formerly: [{', '.join(self.names[:-1])}]\n" if len(self.names) > 1 else ""
        text = f"subscriptions:\n  - name: {self.names[-1]}\n    notify: {self.desk.url('hooks/desk-T')}\n{formerly}"
        path = self.folder / f"subs-{len(self.names)}.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    def settings(self, notify: bool = True, subscribed: bool = True) -> Settings:
        return Settings(
            db=self.db,
            notify=[self.main.url("hooks/main-T")] if notify else [],
            subscriptions=self.subscriptions() if subscribed else None,
            busy_timeout=0.3,
        )

    def refresh(self, listed: list[tuple[str, str]]) -> None:
        rows = [row(name, label) for name, label in dict(listed).items()]
        with closing(connect(self.db)) as con:
            merge(con, self.folder / "stage", rows, T0 + dt.timedelta(days=self.runs))
        self.runs += 1


def act(world: World, step: Step) -> None:
    kind = step[0]
    if kind == "refresh":
        world.refresh(step[1])
    elif kind == "alerts":
        run_alerts(world.settings(step[1], step[2]), TODAY, [90, 30, 7])
    elif kind == "fail":
        (world.main if step[1] == "main" else world.desk).fail = 1
    elif kind == "rename":
        world.names.append(f"desk{len(world.names)}")
    elif kind == "busy":
        busy(world)
    else:
        killed(world)


def busy(world: World) -> None:
    """An alerts run whose warehouse another process takes as soon as a receiver has a message."""
    holders: list[subprocess.Popen[str]] = []

    def hold() -> None:
        world.main.before_answer = world.desk.before_answer = None
        child = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(world.db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        holders.append(child)
        assert child.stdout is not None and child.stdout.readline() == "holding\n"

    world.main.before_answer = world.desk.before_answer = hold
    try:
        run_alerts(world.settings(), TODAY, [90, 30, 7])
    finally:
        world.main.before_answer = world.desk.before_answer = None
        for child in holders:
            child.communicate("\n", timeout=60)


def killed(world: World) -> None:
    """An alerts run in a process of its own, killed the moment a receiver has its first message."""
    args = [sys.executable, "-c", SENDER, str(world.db), world.main.url("hooks/main-T"), str(world.subscriptions())]
    sender = subprocess.Popen(args)

    def kill() -> None:
        world.main.before_answer = world.desk.before_answer = None
        os.kill(sender.pid, signal.SIGKILL)

    world.main.before_answer = world.desk.before_answer = kill
    try:
        sender.wait(timeout=120)
    finally:
        world.main.before_answer = world.desk.before_answer = None


def received(hook: Webhook) -> dict[int, set[str]]:
    """Each alert id the receiver got, with the delivery ids it came under."""
    got: dict[int, set[str]] = defaultdict(set)
    for post in hook.posts:
        for alert in post["alerts"]:
            got[alert["alert_id"]].add(post["delivery_id"])
    return got


def check(world: World) -> None:
    main, desk = received(world.main), received(world.desk)
    for hook in (main, desk):
        assert all(len(ids) == 1 for ids in hook.values()), f"an alert received under two delivery ids: {hook}"
    rows = query(world.db, "select alert_id, recipient, closed_as, why, delivery_id from alert_outbox")
    for alert_id, recipient, closed_as, why, delivery_id in rows:
        if closed_as == "delivered":
            got = desk if recipient.startswith("subscription:") else main
            assert delivery_id in got.get(alert_id, set()), f"recorded delivered, never received: {alert_id}"
        elif closed_as is not None:
            assert why, f"closed without a why: {alert_id} {recipient}"
    # every alert raised once a recipient was known is owed to it (or was, and the row says how it
    # ended): nobody here filters, so no alert may go unwanted
    missing = query(
        world.db,
        "select a.alert_id, r.recipient from alert_log as a cross join alert_recipients as r "
        "where a.created_at >= r.first_seen_at and not exists "
        "(select 1 from alert_outbox as o where o.alert_id = a.alert_id and o.recipient = r.recipient)",
    )
    assert missing == [], f"forgotten: {missing}"


def heal(world: World) -> None:
    """Everything configured and answering: whatever is still owed is delivered, once."""
    world.main.fail = world.desk.fail = 0
    done = run_alerts(world.settings(), TODAY, [90, 30, 7])
    assert done.status == "ok", done.message
    check(world)
    owed = query(
        world.db,
        "select count(*) from alert_outbox where closed_at is null and recipient in (?, ?)",
        [
            f"subscription:{world.names[-1]}",
            next(iter(query(world.db, "select recipient from alert_recipients where hears_everything")), ("",))[0],
        ],
    )
    assert owed == [(0,)], "still owed after a healthy run"


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=st.lists(steps, min_size=2, max_size=6))
# the faults at their sharpest, every time: a sender killed with a message in flight, then healed;
# a rename and a missing channel around a busy warehouse and a failing receiver
@example(history=[("kill",), ("refresh", [("C", "2018-07-05")]), ("kill",)])
@example(history=[("alerts", True, True), ("refresh", [("C", "2018-07-05")]), ("alerts", False, False)])
@example(history=[("fail", "desk"), ("alerts", False, True), ("rename",), ("busy",), ("alerts", True, False)])
def test_nothing_owed_is_dropped_and_nothing_is_sent_twice(history: list[Step]) -> None:
    with tempfile.TemporaryDirectory(prefix="ecei-outbox-") as tmp, ExitStack() as stack:
        main, desk = Webhook(), Webhook()
        main.port = stack.enter_context(_serving(_handler(main), "main"))
        desk.port = stack.enter_context(_serving(_handler(desk), "desk"))
        world = World(Path(tmp) / "w.duckdb", Path(tmp), main, desk)
        world.refresh([("A", "2018-07-05"), ("B", "2018-08-01")])
        for step in history:
            act(world, step)
            check(world)
        heal(world)
