"""Markdown for the flows' artifacts: a refresh's figures (ecei/run_figures.py, as the warehouse records
them: warehouse/semantics/run_figures.sql), a section per change
kind (ecei/change_kinds.py) and the rows it rejected."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import duckdb

from ecei import change_kinds, run_figures
from ecei.outcome import Status
from ecei.refresh.result import RefreshResult
from warehouse.db import open_when_free, sql_file
from warehouse.runs import recorded_figures

ROW_LIMIT = 200  # per section; the warehouse has the rest


# Names come from a web page: a control or bidi character is named (U+202E), not obeyed; HTML is
# escaped; then the punctuation that means something inside a table cell is backslash-escaped, so
# that no name forms a link, an image, emphasis, code, strikethrough or a cell of its own, and ':'
# and '.' cannot start an autolink (http://, www., a@b.c). A cell is never at the start of a line:
# '#', '-', '+', '>' and '=' cannot make a heading or a list there. '&' and ';' stay live: they spell
# the entities html.escape wrote.
_CONTROLS: dict[int, str] = {
    c: f"U+{c:04X}"
    for c in (*range(0x20), *range(0x7F, 0xA0), 0x061C, 0x200E, 0x200F, *range(0x2028, 0x202F), *range(0x2066, 0x206A))
}
_MARKDOWN: dict[int, str] = {ord(c): "\\" + c for c in "\\`*_[]()!|~<>:."}


def cell(value: Any) -> str:
    """A table cell of untrusted text: inert in Markdown and HTML, on one line, controls named."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = ", ".join(map(str, value))
    text = " ".join(str(value).split()).translate(_CONTROLS)
    return html.escape(text, quote=False).translate(_MARKDOWN)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in r) + " |" for r in rows[:ROW_LIMIT]]
    if len(rows) > ROW_LIMIT:
        lines.append(f"\n... and {len(rows) - ROW_LIMIT} more (see the warehouse)")
    return "\n".join(lines)


def _rows(con: duckdb.DuckDBPyConnection, name: str, run_id: int) -> list[dict[str, Any]]:
    cur = con.execute(sql_file(f"report/{name}.sql"), {"run_id": run_id})
    columns = [d[0] for d in cur.description]
    return [dict(zip(columns, r, strict=True)) for r in cur.fetchall()]


Rows = list[dict[str, Any]]


def _recorded(db: Path, run_id: int, busy_timeout: float, details: bool) -> tuple[dict[str, Any], Rows, Rows]:
    """The run's figures as the warehouse records them (warehouse/semantics/run_figures.sql), and with
    `details` what it changed and rejected."""
    with closing(open_when_free(db, busy_timeout, read_only=True)) as con:
        figures = recorded_figures(con, run_id)
        if not details:
            return figures, [], []
        return figures, _rows(con, "run_changes", run_id), _rows(con, "run_rejected", run_id)


def shown_name(change: dict[str, Any]) -> str:
    """The cluster's name; a change of name (a rename) shows both on one line, `Old → New`."""
    old, new = change["old_name"], change["new_name"]
    if old and new and old != new:
        return f"{old} \N{RIGHTWARDS ARROW} {new}"
    return str(change["name"])


def _change_cells(c: dict[str, Any]) -> tuple[Any, ...]:
    return (
        c["country"],
        shown_name(c),
        c["portfolio"],
        c["changed_columns"],
        c["old_valid_until"],
        c["new_valid_until"],
    )


def refresh_markdown(result: RefreshResult, busy_timeout: float = 10.0) -> str:
    """The artifact of one refresh: status, figures, then a section per change kind, then rejected."""
    parts = [f"# Refresh run {result.run_id if result.run_id is not None else '-'}: {result.status}"]
    if result.status != Status.OK and result.message:
        sign = "Warning" if result.status == Status.PARTIAL else "Error"
        parts.append(f"**{sign}:** {cell(result.message)}")
    if result.run_id is None:  # busy or refused: no run was recorded, its figures are those it counted
        parts.append(table(["figure", "value"], run_figures.summary_rows(result.figures)))
        return "\n\n".join(parts)
    details = result.status not in (Status.FAILED, Status.BUSY)
    figures, changes, rejected = _recorded(Path(result.db), result.run_id, busy_timeout, details)
    parts.append(table(["figure", "value"], run_figures.summary_rows(figures)))
    if not details:
        return "\n\n".join(parts)
    for kind in change_kinds.KINDS:
        rows = [c for c in changes if c["change"] == kind.name]
        parts.append(f"## {kind.heading} ({len(rows)})")
        if rows:
            columns = ["country", "name", "portfolio", "what changed", "label before", "label after"]
            parts.append(table(columns, [_change_cells(c) for c in rows]))
    parts.append(f"## Rejected ({len(rejected)})")
    if rejected:
        shown = []
        for r in rejected:
            name = json.loads(r["raw"]).get("name") if r["raw"] else None
            shown.append((r["page_url"], r["row_number"], name, r["reason"]))
        parts.append(table(["page", "row", "name as shown", "reason"], shown))
    return "\n\n".join(parts)
