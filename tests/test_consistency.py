"""Every surface asked the same questions gives one answer: per run, how many clusters it added, removed,
renamed and renewed (and changed); on a day, which labels are lapsing within 90 days. Asked of the demo
warehouse and of random histories (hypothesis) merged as refreshes merge them.

The surfaces: the run figures (crawl_runs), `ecei sql` over cluster_changes and what_happened_in_runs,
the report (its change summary, headline and clusters table), `ecei changes` between consecutive runs
(its JSON counts and, on the demo, the terminal's summary line), the release's CHANGES.md, the changes
feed, the alerts a run would raise (renewed, renamed, delisted; expiring), the clusters' history, and the
Prefect flow's list of labels expiring soon. A surface answers the questions it can; every question
must have one answer across those that answer it. The test defines nothing itself: what a renewal or
a lapsing label is belongs to warehouse/semantics/.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from collections import Counter, defaultdict
from contextlib import closing
from pathlib import Path
from typing import Any

import feedparser
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ecei import change_kinds
from ecei.alerts.run import run_alerts
from ecei.cli.changes_answer import document
from ecei.history.changes import changes
from ecei.history.cluster import cluster_versions
from ecei.moments import parse_when, stamp
from ecei.outputs.release import Previous, changes_text
from ecei.outputs.report import LAPSING_DAYS, collect
from ecei.settings import Settings
from tests.cli.helpers import ecei
from tests.warehouse.staged_runs import T0, merge, row
from warehouse.db import connect, open_when_free
from warehouse.query import run_query

# every change kind (ecei/change_kinds.py), then the renewals counted apart
KINDS = change_kinds.names()
QUESTIONS = (*KINDS, change_kinds.RENEWED.name)
Answers = dict[str, dict[Any, Any]]  # surface -> question -> its answer


def _counts(pairs: list[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """(run, question) -> how many, from one (run, question) pair per cluster."""
    return dict(Counter(pairs))


def _runs(db: Path) -> list[tuple[int, dt.datetime]]:
    """The runs that wrote a list (ok or partial), oldest first."""
    _, rows = run_query(
        db, "select run_id, started_at from crawl_runs where status in ('ok', 'partial') order by run_id", 5
    )
    return [(r[0], r[1]) for r in rows]


def per_run(db: Path, alerts_copy: Path, today: dt.date) -> Answers:
    """Each surface's answer to: how many clusters did run R add, change, remove, rename, renew?"""
    runs = _runs(db)
    run_of = {stamp(at): run_id for run_id, at in runs}
    found: Answers = {}

    _, rows = run_query(db, f"select run_id, {', '.join(KINDS)} from crawl_runs", 5)
    found["run figures (crawl_runs)"] = {
        (r[0], q): n for r in rows for q, n in zip(KINDS, r[1:], strict=True) if r[0] in run_of.values()
    }

    _, rows = run_query(db, "select run_id, change, renewed from cluster_changes", 5)
    found["ecei sql: cluster_changes"] = _counts(
        [(r[0], r[1]) for r in rows] + [(r[0], "renewed") for r in rows if r[2]]
    )

    _, rows = run_query(db, "select run_id, change, renewed from what_happened_in_runs(0, 1000000)", 5)
    found["ecei sql: what_happened_in_runs"] = _counts(
        [(r[0], r[1]) for r in rows] + [(r[0], "renewed") for r in rows if r[2]]
    )

    with closing(open_when_free(db, 5, read_only=True)) as con:
        report = collect(con, today)
        ids = [r[0] for r in con.execute("select distinct cluster_id from versions").fetchall()]
        versions = cluster_versions(con, ids, today)
    found["report: change summary"] = {(s["run_id"], q): s[q] for s in report.change_summary for q in QUESTIONS}

    found["ecei history"] = _counts(
        [(v["run_id_from"], w) for v in versions for w in v["what_changed"] if w in ("renamed", "renewed")]
    )

    settings_ = Settings(db=db, notify=[])
    json_counts: dict[tuple[int, str], int] = {}
    changes_md: dict[tuple[int, str], int] = {}
    before = parse_when((runs[0][1] - dt.timedelta(days=1)).date().isoformat())
    for run_id, at in runs:
        result = changes(settings_, before, parse_when(f"run:{run_id}"))
        json_counts.update({(run_id, q): n for q, n in document(result)["counts"].items()})
        text = changes_text(today, run_id, at, {"clusters_current": 0, "cluster_history": 0}, result, Previous("x", at))
        changes_md.update(_changes_md_counts(run_id, text))
        before = parse_when(f"run:{run_id}")
    found["ecei changes --format json"] = json_counts
    found["release CHANGES.md"] = changes_md

    found["changes feed"] = _feed_counts(db, run_of)

    # the alerts a run would have raised (a look at the past: the ledger plays no part)
    said = {"renewed": "renewed", "renamed": "renamed", "delisted": "removed"}
    raised: Counter[tuple[int, str]] = Counter()
    for run_id, _ in runs:
        result = run_alerts(
            Settings(db=alerts_copy, notify=[]),
            today,
            [LAPSING_DAYS],
            notify=[],
            dry_run=True,
            as_of=parse_when(f"run:{run_id}"),
        )
        raised.update((run_id, said[a.kind]) for a in result.raised if a.kind in said)
    found["alerts (renewed, renamed, delisted)"] = {
        (run_id, q): raised[(run_id, q)] for run_id, _ in runs for q in said.values()
    }
    return found


# the sentence: `N added, N changed, N removed, N renamed (N renewed)`, a count a kind in their order
_SUMMARY = re.compile(
    ", ".join(rf"(\d+) {re.escape(k.label)}" for k in change_kinds.KINDS)
    + rf"(?: \((\d+) {re.escape(change_kinds.RENEWED.label)}\))?"
)


def _changes_md_counts(run_id: int, text: str) -> dict[tuple[int, str], int]:
    """The counts a CHANGES.md states in its sentence, and its lines: a section a kind, `(renewed)` marks."""
    match = _SUMMARY.search(text)
    stated = [int(g or 0) for g in match.groups()] if match else [0] * len(QUESTIONS)
    counted: dict[tuple[int, str], int] = {(run_id, q): n for q, n in zip(QUESTIONS, stated, strict=True)}
    for kind in change_kinds.KINDS:
        sections = re.search(rf"^## {re.escape(kind.heading)} \((\d+)\)$", text, re.MULTILINE)
        assert (int(sections.group(1)) if sections else 0) == counted[(run_id, kind.name)], (kind, text)
    assert text.count("(renewed)") == counted[(run_id, "renewed")], text  # a line's mark, one a renewal
    return counted


def _feed_counts(db: Path, run_of: dict[str | None, int]) -> dict[tuple[int, str], int]:
    from ecei.outputs.feeds import CHANGES_FILE, write_feeds

    with tempfile.TemporaryDirectory() as folder:
        write_feeds(Settings(db=db, notify=[]), Path(folder), most=100000)
        parsed = feedparser.parse((Path(folder) / CHANGES_FILE).read_bytes())
    pairs = []
    for entry in parsed.entries:
        _, when, kind = entry.id.rsplit("/", 2)
        run_id = run_of[when]
        pairs.append((run_id, kind))
        if "(renewed)" in entry.content[0].value:
            pairs.append((run_id, "renewed"))
    return _counts(pairs)


def lapsing(db: Path, alerts_copy: Path, today: dt.date) -> Answers:
    """Each surface's answer to: which listed labels are lapsing within LAPSING_DAYS days of `today`?"""
    found: Answers = {}
    with closing(open_when_free(db, 5, read_only=True)) as con:
        report = collect(con, today)
    table = {(c["country"], c["name"]) for c in report.clusters if c["status"] == "lapsing"}
    found["report: clusters table"] = {"lapsing": table}
    found["report: headline"] = {"how many lapsing": report.headline["lapsing_90_days"]}
    found["report: clusters table (how many)"] = {"how many lapsing": len(table)}
    _, rows = run_query(
        db, f"select country, name from labels_on(now(), '{today}'::date, {LAPSING_DAYS}) where status = 'lapsing'", 5
    )
    found["ecei sql: labels_on"] = {"lapsing": {(r[0], r[1]) for r in rows}}
    raised = run_alerts(Settings(db=alerts_copy, notify=[]), today, [LAPSING_DAYS], notify=[], dry_run=True).raised
    found["alerts: expiring"] = {"lapsing": {(a.country, a.name) for a in raised if a.kind == "expiring"}}
    from flows.alerts import expiring_soon

    soon = expiring_soon(Settings(db=db, notify=[]), today, LAPSING_DAYS)
    found["Prefect: expiring soon"] = {"lapsing": {(r["country"], r["name"]) for r in soon}}
    return found


def disagreements(found: Answers) -> list[str]:
    """Every question two surfaces answer differently, with each surface's answer."""
    by_question: dict[Any, dict[str, Any]] = defaultdict(dict)
    for surface, answers in found.items():
        for question, answer in answers.items():
            by_question[question][surface] = answer
    keys = {q for answers in found.values() for q in answers}
    said = []
    for question in sorted(keys, key=str):
        answers = by_question[question]
        shown = {surface: sorted(a) if isinstance(a, set) else a for surface, a in answers.items()}
        if len({repr(a) for a in shown.values()}) > 1:
            said.append(f"{question}: " + "; ".join(f"{s} says {a}" for s, a in sorted(shown.items())))
    return said


def _fill_zeros(found: Answers) -> Answers:
    """A count question one surface states (run, kind) and another leaves unsaid is a zero there, for
    the surfaces that list clusters (they have no row for a kind a run did not have)."""
    runs_and_kinds = {q for answers in found.values() for q in answers if isinstance(q, tuple)}
    sparse = ("ecei sql", "ecei history", "changes feed")
    for surface, answers in found.items():
        if surface.startswith(sparse):
            for q in runs_and_kinds:
                if surface == "ecei history" and q[1] not in ("renamed", "renewed"):
                    continue
                answers.setdefault(q, 0)
    return found


@pytest.fixture(scope="module")
def demo(dated_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The demo warehouse, and a copy the alerts may open for writing."""
    copy = tmp_path_factory.mktemp("consistency") / "alerts.duckdb"
    shutil.copy(dated_db, copy)
    return dated_db, copy


DEMO_DAY = dt.date(2021, 9, 20)  # the demo's business day: after its last run


def test_the_demo_gives_one_answer_per_run(demo: tuple[Path, Path]) -> None:
    db, copy = demo
    found = _fill_zeros(per_run(db, copy, DEMO_DAY))
    assert not disagreements(found)
    assert found["report: change summary"][(3, "renewed")] == 7  # the renamed cluster whose date moved too


def test_the_terminal_says_what_the_others_say(demo: tuple[Path, Path]) -> None:
    db, _ = demo
    done = ecei("changes", "--db", str(db), "--live", "--since", "run:2", "--until", "run:3", wide=True)
    assert done.returncode == 0, done.stderr
    said = _SUMMARY.search(done.stderr + done.stdout)
    assert said is not None
    _, rows = run_query(db, "select count(*) filter (where renewed) from what_happened_in_runs(3, 3)", 5)
    assert int(said.group(len(QUESTIONS))) == rows[0][0] == 7  # the renewals, after every kind


@pytest.mark.parametrize("day", [dt.date(2021, 9, 20), dt.date(2018, 6, 16), dt.date(2021, 3, 18)])
def test_the_demo_gives_one_answer_on_lapsing_labels(demo: tuple[Path, Path], day: dt.date) -> None:
    db, copy = demo
    assert not disagreements(lapsing(db, copy, day))


# a random history: a few clusters, each run listing some of them under their name or a new one (the
# same website: the identity links a rename), with a label date from a few around TODAY
CLUSTERS = ("Alpha", "Bravo", "Coast")
NEW_NAMES = {"Alpha": "Alpha Nova Group", "Bravo": "Bravo Ocean Hub", "Coast": "Coast Care Network"}
LABELS = ("2018-06-20", "2018-07-01", "2018-07-02", "2018-09-29", "2018-09-30", "2019-07-01")
TODAY = dt.date(2018, 7, 1)  # a label at 0 and at 90 days left: the edges surfaces once disagreed on
listing = st.tuples(
    st.sampled_from(CLUSTERS), st.booleans(), st.sampled_from(LABELS), st.sampled_from(("ICT", "Health"))
)
a_run = st.tuples(st.lists(listing, max_size=3, unique_by=lambda x: x[0]), st.booleans())
history = st.lists(a_run, min_size=1, max_size=4)


def _build(db: Path, runs: list[tuple[list[tuple[str, bool, str, str]], bool]]) -> None:
    with closing(connect(db)) as con:
        for i, (listed, complete) in enumerate(runs):
            rows = [
                row(NEW_NAMES[c] if renamed else c, label, portfolio, "c-1", f"http://{c.lower()}.example/")
                for c, renamed, label, portfolio in listed
            ]
            merge(con, db.parent / "stage", rows, T0 + dt.timedelta(days=i), complete=complete)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(runs=history)
@example(  # renamed and renewed in one run: the report once counted it as renamed only
    runs=[([("Alpha", False, "2018-07-02", "ICT")], True), ([("Alpha", True, "2019-07-01", "ICT")], True)]
)
@example(  # listed, delisted, listed again with a later date: history once called the relisting a renewal
    runs=[
        ([("Alpha", False, "2018-07-02", "ICT")], True),
        ([("Bravo", False, "2018-07-02", "ICT")], True),
        ([("Alpha", False, "2019-07-01", "ICT"), ("Bravo", False, "2018-07-02", "ICT")], True),
    ]
)
def test_random_histories_give_one_answer(runs: list[tuple[list[tuple[str, bool, str, str]], bool]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "w.duckdb"
        _build(db, runs)
        copy = Path(folder) / "alerts.duckdb"
        shutil.copy(db, copy)
        if not _runs(db):
            return
        said = disagreements(_fill_zeros(per_run(db, copy, TODAY))) + disagreements(lapsing(db, copy, TODAY))
        assert not said, "\n".join(said)


def test_a_surface_that_counts_otherwise_is_caught() -> None:
    """The comparison itself: two surfaces that differ on one count are named with their answers."""
    said = disagreements({"report": {(3, "renewed"): 6}, "ecei changes": {(3, "renewed"): 7}})
    assert said == ["(3, 'renewed'): ecei changes says 7; report says 6"]
