"""The run figures, declared once: what a refresh shows of itself, in order, wherever it is shown
(the refresh summary, replay's, backfill's and the demo's tables, the Prefect artifact and log line,
`ecei status`, the HTML report's run health).

Their values are defined in SQL, warehouse/semantics/run_figures.sql (the `run_figures` view, one
row per run, which `crawl_runs` shows); this module names them, orders them and heads them. A
figure reads one or more columns of that view. What a run saw is also the fields of
`warehouse.runs.RunFigures` of the same names (what the run records); what it changed is counted by
the view from its changes, one column per change kind (ecei/change_kinds.py), and a run not recorded
(busy, refused) changed nothing (`counted`). Tests hold the view's columns to `fields()`, in order.

Adding a figure made of what a run records: its column in run_figures.sql and its RunFigure here
(and its line in tests/ecei/test_run_figures.py); every surface then shows it. A count the run
must record as well also needs its column in `runs` (a numbered migration), its RunFigures field
and line of warehouse/runs_settle.sql, and the code that counts it. A change kind needs nothing
here: CHANGES reads every kind change_kinds.py declares.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from ecei import change_kinds
from warehouse.runs import RunFigures

Figures = RunFigures | Mapping[str, Any]


def counted(figures: RunFigures) -> dict[str, Any]:
    """The figures of a run the warehouse did not record (busy, refused), as a row of the view has
    them (`fields()`, in order): what it counted, and no change of any kind."""
    values = {**asdict(figures), **{name: 0 for name in change_kinds.names()}}
    return {name: values[name] for name in fields()}


def _values(figures: Figures) -> Mapping[str, Any]:
    return counted(figures) if isinstance(figures, RunFigures) else figures


def _text(value: Any) -> str:
    if value is None:
        return "?"  # not recorded: a run that failed before counting it, or a count the site did not state
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return str(value)


@dataclass(frozen=True)
class RunFigure:
    label: str
    fields: tuple[str, ...]  # run_figures (and crawl_runs) columns, shown joined by " / "
    optional: bool = False  # shown only when it has a value (a list that is not empty)
    brief: bool = False  # part of the one-line summary of a run

    @property
    def heading(self) -> str:
        return self.label[:1].upper() + self.label[1:]

    def value(self, figures: Figures) -> str:
        values = _values(figures)
        return " / ".join(_text(values.get(name)) for name in self.fields)

    def shown(self, figures: Figures) -> bool:
        values = _values(figures)
        return not self.optional or any(values.get(name) for name in self.fields)


CHANGES = RunFigure(change_kinds.figure_label(), tuple(change_kinds.names()), brief=True)

FIGURES: tuple[RunFigure, ...] = (
    RunFigure("pages fetched / failed", ("pages_fetched", "pages_failed")),
    RunFigure("countries loaded / listed / stated", ("countries_loaded", "countries_listed", "stated_countries")),
    RunFigure("rows seen / stated total", ("rows_seen", "stated_total"), brief=True),
    RunFigure("rows loaded", ("rows_loaded",)),
    RunFigure("exact duplicates", ("rows_duplicate",)),
    RunFigure("rejected (quarantined)", ("rows_rejected",), brief=True),
    RunFigure("websites unusable (stored NULL)", ("websites_invalid",)),
    CHANGES,
    RunFigure("new portfolios", ("new_portfolios",), optional=True),
)


def fields() -> list[str]:
    """Every field the figures read, in order: the columns of the `run_figures` view but its run_id."""
    return [name for figure in FIGURES for name in figure.fields]


def labels() -> list[str]:
    """Every figure's label, in order: the columns of a table with a run a row."""
    return [f.label for f in FIGURES]


def cells(figures: Figures) -> list[str]:
    """Every figure's value for this run, in order (empty where an optional one has none): a row of
    that table."""
    return [f.value(figures) if f.shown(figures) else "" for f in FIGURES]


def summary_rows(figures: Figures) -> list[tuple[str, str]]:
    """(label, value) of every figure shown for this run, in order: a summary table's rows."""
    return [(f.label, f.value(figures)) for f in FIGURES if f.shown(figures)]


def one_line(figures: Figures) -> str:
    """The brief figures in one line, for a log: `rows seen / stated total 35 / 35, ...`."""
    return ", ".join(f"{f.label} {f.value(figures)}" for f in FIGURES if f.brief)
