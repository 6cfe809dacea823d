"""Markdown for the flows' artifacts: a refresh's figures and what it added, changed, removed, rejected."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

from ecei.refresh import RefreshResult
from warehouse.db import open_when_free

ROW_LIMIT = 200  # per section; the warehouse has the rest


def cell(value: Any) -> str:
    """A table cell: markup escaped (names come from a web page), no pipes or line breaks."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = ", ".join(map(str, value))
    text = html.escape(" ".join(str(value).split()), quote=False)
    return text.replace("|", "\\|")


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in r) + " |" for r in rows[:ROW_LIMIT]]
    if len(rows) > ROW_LIMIT:
        lines.append(f"\n... and {len(rows) - ROW_LIMIT} more (see the warehouse)")
    return "\n".join(lines)


def _run_details(db: Path, run_id: int, busy_timeout: float) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    with closing(open_when_free(db, busy_timeout, read_only=True)) as con:
        changes = con.execute(
            "select change, country, name, changed_columns, old_valid_until, new_valid_until, "
            "coalesce(new_portfolio, old_portfolio) from cluster_changes where run_id = ? "
            "order by change, country, name",
            [run_id],
        ).fetchall()
        rejected = con.execute(
            "select page_url, row_number, raw, reason from rejected_rows where run_id = ? "
            "order by page_url, row_number",
            [run_id],
        ).fetchall()
    return changes, rejected


def refresh_markdown(result: RefreshResult, busy_timeout: float = 10.0) -> str:
    """The artifact of one refresh: status, figures, then added / changed / removed / rejected."""
    f = result.figures
    parts = [f"# Refresh run {result.run_id if result.run_id is not None else '-'}: {result.status}"]
    if result.status != "ok" and result.message:
        sign = "Warning" if result.status == "partial" else "Error"
        parts.append(f"**{sign}:** {cell(result.message)}")
    figures = [
        ("pages fetched / failed", f"{f.pages_fetched} / {f.pages_failed}"),
        ("countries loaded / listed", f"{f.countries_loaded} / {f.countries_listed}"),
        ("rows seen / stated total", f"{f.rows_seen} / {'?' if f.stated_total is None else f.stated_total}"),
        ("rows loaded", f.rows_loaded),
        ("exact duplicates", f.rows_duplicate),
        ("rejected (quarantined)", f.rows_rejected),
        ("websites unusable", f.websites_invalid),
        ("added / changed / removed", f"{f.added} / {f.changed} / {f.removed}"),
        ("new portfolios", f.new_portfolios or ""),
    ]
    parts.append(table(["figure", "value"], figures))
    if result.run_id is None or result.status in ("failed", "busy"):
        return "\n\n".join(parts)
    changes, rejected = _run_details(Path(result.db), result.run_id, busy_timeout)
    for kind in ("added", "changed", "removed"):
        rows = [c for c in changes if c[0] == kind]
        parts.append(f"## {kind.capitalize()} ({len(rows)})")
        if rows:
            parts.append(
                table(
                    ["country", "name", "portfolio", "what changed", "label before", "label after"],
                    [(c[1], c[2], c[6], c[3], c[4], c[5]) for c in rows],
                )
            )
    parts.append(f"## Rejected ({len(rejected)})")
    if rejected:
        rows = []
        for page, number, raw, reason in rejected:
            name = json.loads(raw).get("name") if raw else None
            rows.append((page, number, name, reason))
        parts.append(table(["page", "row", "name as shown", "reason"], rows))
    return "\n\n".join(parts)
