"""The HTML report: where the labels stand, what changed, how the refreshes went, in one offline file.

Two points in time make a report: the list (the latest, or as it stood at `--as-of`, as
`clusters_as_of` returns it) and the business day its labels are judged against (`--today`: days
left, lapsing, lapsed). Every figure, chart and table is computed from that one list, and the
changes and run health from the refreshes started by then. The figures come from the public views
through the queries in `warehouse/report/`; the page is a jinja2 template with autoescaping, and the
charts are plotly figures drawn by plotly.js, which is inlined from the plotly wheel so the file
needs no network when it is opened.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import jinja2
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.offline import get_plotlyjs

from ecei import change_kinds, run_figures
from ecei.moments import Edge, When, instant, judging_day, stamp
from ecei.outputs.files import check_output, guard, write_output
from ecei.settings import Settings
from warehouse.db import open_when_free, sql_file
from warehouse.watcher import watcher_state

RECENT_RUNS = 10
CHANGES_LIMIT = 500
EXPIRY_MONTHS = 24
LAPSING_DAYS = 90  # a label lapsing within this many days is shown as lapsing
# no version starts after it: the list at this instant is the latest one (clusters_current)
END_OF_TIME = dt.datetime(9999, 12, 31, 23, 59, 59)
DEFAULT_STALE_DAYS: int = Settings.model_fields["stale_days"].default  # ECEI_STALE_DAYS's own default

Row = dict[str, Any]


@dataclass
class ReportData:
    """Everything the page shows, as plain rows."""

    today: dt.date  # the business day the labels are judged against
    as_of: dt.datetime | None  # the instant whose list is shown (naive UTC); None: the latest list
    observed: Row | None  # the refresh that wrote that list (run_id, started_at, status); None: no refresh yet
    generated_at: dt.datetime
    db: str
    headline: Row
    clusters: list[Row]
    expiry: list[Row]
    lapsed: list[Row]
    runs: list[Row]
    change_summary: list[Row]
    changes: list[Row]
    quarantine: list[Row]
    figures: dict[str, dict[str, Any]] = field(default_factory=dict)
    # why the latest list is stale as of `today` (warehouse.watcher: the rule `ecei status` and the
    # `stale` alert read), announced at the top of the page; None when fresh, or for a look at the past
    stale: str | None = None


def _rows(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]) -> list[Row]:
    cur = con.execute(sql_file(f"report/{name}.sql"), params)
    columns = [d[0] for d in cur.description]
    return [dict(zip(columns, r, strict=True)) for r in cur.fetchall()]


def months_from(today: dt.date, count: int = EXPIRY_MONTHS) -> list[str]:
    """`YYYY-MM` of the month of `today` and the `count - 1` months after it."""
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def change_summary(rows: list[Row]) -> list[Row]:
    """One row per run, with a count for every kind the summary shows (change_kinds.SUMMARY)."""
    runs: dict[Any, Row] = {}
    for r in rows:
        run = runs.setdefault(r["run_id"], {k: r[k] for k in ("run_id", "started_at", "status")})
        if r["change"] is not None:
            run[r["change"]] = r["clusters"]
    return [{**{k.name: 0 for k in change_kinds.SUMMARY}, **run} for run in runs.values()]


def collect(
    con: duckdb.DuckDBPyConnection,
    today: dt.date,
    db: str = "",
    as_of: dt.datetime | None = None,
    stale_days: int = DEFAULT_STALE_DAYS,
) -> ReportData:
    """Run the report's queries against an open warehouse: the list at the instant `as_of` (naive
    UTC; None: the latest list), its labels judged against the day `today`, and whether the latest
    list is stale by then (no complete refresh for `stale_days` days, or the last one failed)."""
    at = {"at": as_of or END_OF_TIME}
    on_day = {**at, "today": today}
    lapsing = {**on_day, "lapsing_days": LAPSING_DAYS}
    recent = {**at, "runs": RECENT_RUNS}
    observed = _rows(con, "observed_run", at)
    data = ReportData(
        today=today,
        as_of=as_of,
        observed=observed[0] if observed else None,
        generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None),
        db=db,
        headline=_rows(con, "headline", lapsing)[0],
        clusters=_rows(con, "clusters", lapsing),
        expiry=_rows(con, "expiry_by_month", {**on_day, "months": EXPIRY_MONTHS}),
        lapsed=_rows(con, "lapsed_by_year", on_day),
        runs=_rows(con, "recent_runs", recent),
        change_summary=change_summary(_rows(con, "change_summary", recent)),
        changes=_rows(con, "recent_changes", {**recent, "limit": CHANGES_LIMIT, "kinds": change_kinds.names()}),
        quarantine=_rows(con, "last_quarantine", at),
    )
    if as_of is None:
        data.stale = watcher_state(con, today, stale_days).stale_detail
    data.figures = {
        "expiry": expiry_figure(data.expiry, today),
        "lapsed": lapsed_figure(data.lapsed),
    }
    return data


def _plain(fig: go.Figure) -> dict[str, Any]:
    # plotly's JSON (validated, dates and numbers as plotly.js expects), back as plain data for |tojson
    plain: dict[str, Any] = json.loads(fig.to_json())
    return plain


def _empty_note(fig: go.Figure, text: str) -> None:
    fig.add_annotation(text=text, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5, font={"size": 14})


def expiry_figure(rows: list[Row], today: dt.date) -> dict[str, Any]:
    """Labels lapsing per month over the next EXPIRY_MONTHS months, one stacked bar trace per portfolio."""
    months = months_from(today)
    portfolios = sorted({r["portfolio"] for r in rows}, key=str.casefold)
    counts = {(r["month"], r["portfolio"]): r["labels"] for r in rows}
    tallest = max((sum(counts.get((m, p), 0) for p in portfolios) for m in months), default=0)
    fig = go.Figure()
    for portfolio in portfolios:
        fig.add_bar(name=portfolio, x=months, y=[counts.get((m, portfolio), 0) for m in months])
    fig.update_layout(
        barmode="stack",
        template="plotly_white",
        colorway=qualitative.Dark24,  # enough colours for every portfolio the site uses
        height=420,
        margin={"l": 50, "r": 20, "t": 20, "b": 60},
        legend={"title": {"text": "portfolio"}},
        xaxis={"type": "category", "title": {"text": "month the label lapses"}, "categoryarray": months},
        yaxis={
            "title": {"text": "labels"},
            "rangemode": "tozero",
            "dtick": 1 if tallest < 10 else None,
        },  # whole labels
    )
    if not rows:
        _empty_note(fig, f"no listed label lapses in the {EXPIRY_MONTHS} months from {today.isoformat()}")
    return _plain(fig)


def lapsed_figure(rows: list[Row]) -> dict[str, Any]:
    """Listed clusters whose label has lapsed, per year of lapse."""
    per_year = {r["year"]: r["labels"] for r in rows}
    # every year from the first lapse on, so that a year without lapses shows as a gap
    years = list(range(min(per_year), max(per_year) + 1)) if per_year else []
    fig = go.Figure()
    fig.add_bar(
        name="lapsed labels",
        x=[str(y) for y in years],
        y=[per_year.get(y, 0) for y in years],
        marker={"color": "#b54a3c"},
    )
    fig.update_layout(
        template="plotly_white",
        height=320,
        margin={"l": 50, "r": 20, "t": 20, "b": 50},
        showlegend=False,
        xaxis={"type": "category", "title": {"text": "year the label lapsed"}},
        yaxis={"title": {"text": "listed clusters"}, "rangemode": "tozero"},
    )
    if not rows:
        _empty_note(fig, "no listed label has lapsed")
    return _plain(fig)


def _csp_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode() + "'"


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("ecei.outputs", "templates"),
        autoescape=True,  # every value is escaped unless a template marks it safe
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return stamp(value) or ""
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return str(value)


def render(data: ReportData) -> str:
    """The whole page as one string."""
    plotly_js = get_plotlyjs()
    app_js = (resources.files("ecei.outputs") / "templates" / "report.js").read_text(encoding="utf-8")
    env = _environment()
    env.filters["fmt"] = _fmt
    template = env.get_template("report.html.j2")
    return template.render(
        data=data,
        lapsing_days=LAPSING_DAYS,
        expiry_months=EXPIRY_MONTHS,
        summary_kinds=change_kinds.SUMMARY,
        run_figures=run_figures.FIGURES,
        plotly_js=plotly_js,
        app_js=app_js,
        # only these two scripts may run: an injected <script> would be refused even if it got through
        script_hashes=" ".join((_csp_hash(plotly_js), _csp_hash(app_js))),
    )


def write_report(
    db: Path | str,
    out: Path,
    today: dt.date | None,
    busy_timeout: float,
    as_of: When | None = None,
    zone: str = "UTC",
    stale_days: int = DEFAULT_STALE_DAYS,
) -> ReportData:
    """Read the warehouse (read-only) and write the report to `out`, replacing it whole.

    The list is the latest one, or the one that stood at `as_of` (the end of it, for a day; an
    unknown run id raises ecei.moments.UnknownRun, a refusal). The labels are judged against
    `today`; without it, against the day of `as_of`, or today in `zone` for the latest list (judging_day).
    """
    guarded = guard(db)
    check_output(out, guarded, "--out")  # before the queries: an --out naming an input is refused at once
    con = open_when_free(db, busy_timeout, read_only=True)
    try:
        at = instant(con, as_of, Edge.END) if as_of is not None else None
        day = judging_day(today, at, zone)
        # the file's name, never the machine's path to it: the page is sent to people
        data = collect(con, day, db=Path(db).name, as_of=at, stale_days=stale_days)
    finally:
        con.close()
    write_output(out, render(data), guarded, "--out", make_folder=True)
    return data
