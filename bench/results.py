"""What the benchmark reports: one Result per target, measured side by side, written as a Markdown table."""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass
class Result:
    """One target: ecei-watch's figure, the yardstick's (when it has one), and the goal."""

    target: str
    ours: float
    theirs: float | None
    unit: str
    goal: str
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return self.ours / self.theirs if self.theirs else None


def median_alternating(a: Callable[[], float], b: Callable[[], float], repeat: int) -> tuple[float, float]:
    """Medians of `repeat` runs of each side, alternated so that a slow spell of the machine hits both."""
    ours, theirs = [], []
    for _ in range(repeat):
        ours.append(a())
        theirs.append(b())
    return statistics.median(ours), statistics.median(theirs)


HEADER = ["| target | ecei-watch | yardstick | ratio | goal | detail |", "|---|---|---|---|---|---|"]


def line(r: Result) -> str:
    fmt = (lambda v: f"{v:,.0f}") if r.unit == "rows/s" else (lambda v: f"{v:.3f}")
    theirs = f"{fmt(r.theirs)} {r.unit}" if r.theirs is not None else ""
    ratio = f"{r.ratio:.2f}x" if r.ratio is not None else ""
    return f"| {r.target} | {fmt(r.ours)} {r.unit} | {theirs} | {ratio} | {r.goal} | {r.note} |"


def table(results: list[Result]) -> str:
    return "\n".join([*HEADER, *(line(r) for r in results)])


def write_results(path: Path, size: str, repeat: int, results: list[Result]) -> None:
    """The results file: the date, the size, the machine, then the table, in place of the last ones;
    the notes written by hand below the table are kept."""
    header = (
        f"## {dt.date.today().isoformat()}, size {size}, median of {repeat}\n\n"
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}.\n\n"
    )
    notes = ""
    if path.exists():
        lines = path.read_text().split("\n")
        first = next((i for i, text in enumerate(lines) if text.startswith("|")), None)
        if first is not None:
            end = next((i for i in range(first, len(lines)) if not lines[i].startswith("|")), len(lines))
            notes = "\n".join(lines[end:]).lstrip("\n")
    path.write_text(header + table(results) + "\n" + ("\n" + notes if notes else ""))
