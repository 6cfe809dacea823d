"""How `ecei sql` writes a result: a table that fits the terminal, or CSV, TSV, JSON, JSON lines, Markdown.

Every format writes a value the same way: a timestamp through `ecei.moments.stamp`
(`2018-10-15T09:30:00Z`), a date as `2018-10-15`, a list or a struct as JSON (in JSON a real array or
object). The table never cuts a value: a long one is folded onto more lines of its cell, and when the
columns do not fit the terminal even folded, whole columns are left out, as DuckDB's own CLI does
(the first and the last kept, the middle ones dropped), and a line under the table names them. Rows
beyond a cap are left out the same way, first and last kept, with a line saying how many.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from rich import box
from rich.cells import cell_len, chop_cells
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ecei.cli.kit import json_text, plain, visible

FORMATS = ("table", "csv", "tsv", "json", "jsonl", "markdown")
# the format a file's name asks for when --format is not given
SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".md": "markdown"}
TERMINAL_ROWS = 40  # rows a table shows on a terminal, as DuckDB's CLI: the first 20 and the last 20
FOLD_AT = 16  # a column is folded down to this width (or its own, if narrower) before any is dropped
GAP = "…"  # the column (and the row) that stands for what was left out
NULL = "NULL"

Rows = Sequence[tuple[Any, ...]]


def text(value: Any) -> str:
    """A value as a CSV cell or a table cell holds it (NULL is the empty string here)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | dict):
        return json.dumps(plain(value), ensure_ascii=False)
    found = plain(value)
    return found if isinstance(found, str) else str(found)


def format_for(name: str | None, output: str | None) -> str:
    """The format asked for (any case), or the one an output file's suffix names, or the table."""
    if name is not None:
        return name.lower()
    if output is not None:
        suffix = output[output.rfind(".") :].lower() if "." in output else ""
        return SUFFIXES.get(suffix, "table")
    return "table"


# --- the table that fits ---


@dataclass(frozen=True)
class Fit:
    """Which columns a table shows, at which widths, and where the gap of the dropped ones is."""

    shown: list[int]
    widths: list[int]  # one per shown column
    dropped: list[int]
    gap_after: int | None  # the gap column comes after shown[gap_after]


def _chrome(columns: int) -> int:
    """The cells a rich table with edges and one space of padding adds around `columns` columns."""
    return 3 * columns + 1


def fit(natural: Sequence[int], width: int) -> Fit:
    """Widths for columns whose values need `natural` cells each, in a table at most `width` wide.

    Every column at its natural width if they fit; else the widest folded, down to FOLD_AT; else
    columns dropped from the middle, the first and the last kept (the first always); then what room is
    left goes back to the folded ones.
    """
    n = len(natural)
    floor = [min(w, FOLD_AT) for w in natural]
    if sum(natural) + _chrome(n) <= width:
        return Fit(list(range(n)), list(natural), [], None)
    chosen = list(range(n))
    if sum(floor) + _chrome(n) > width:
        order = [i for pair in zip(range(n), reversed(range(n)), strict=True) for i in pair][:n]
        order = list(dict.fromkeys(order))  # first, last, second, second to last, ...
        chosen = [order[0]]
        for i in order[1:]:
            # the gap column (one cell) stands for the rest while some are left out
            if sum(floor[j] for j in [*chosen, i]) + _chrome(len(chosen) + 2) + 1 > width:
                break
            chosen.append(i)
        chosen.sort()
    dropped = [i for i in range(n) if i not in chosen]
    room = width - _chrome(len(chosen) + (1 if dropped else 0)) - (1 if dropped else 0)
    widths = _share(room, [natural[i] for i in chosen], [floor[i] for i in chosen])
    gap_after = None
    if dropped:
        gap_after = next(k for k in range(len(chosen)) if k + 1 == len(chosen) or chosen[k + 1] != chosen[k] + 1)
    return Fit(chosen, widths, dropped, gap_after)


def _share(room: int, natural: list[int], floor: list[int]) -> list[int]:
    """Widths between each floor and natural width that add up to at most `room`: every column
    capped at the same width, the largest cap that fits (a lone column wider than the room gets it)."""
    if sum(natural) <= room:
        return natural
    if sum(floor) >= room:
        return [max(1, room)] if len(floor) == 1 else floor
    low, high = 0, max(natural)
    while low < high:
        cap = (low + high + 1) // 2
        if sum(max(f, min(w, cap)) for w, f in zip(natural, floor, strict=True)) <= room:
            low = cap
        else:
            high = cap - 1
    return [max(f, min(w, low)) for w, f in zip(natural, floor, strict=True)]


def fold(value: str, width: int) -> str:
    """`value` cut into lines of at most `width` cells, at a space when one is near the end: every
    character kept, none replaced by an ellipsis."""
    lines = []
    for line in value.split("\n"):
        while cell_len(line) > width:
            # a character wider than the column (界 in one cell) still goes, on a line of its own
            head = chop_cells(line, width)[0] or line[0]
            space = head.rfind(" ")
            if space >= len(head) // 2:
                head = head[: space + 1]
            lines.append(head)
            line = line[len(head) :]
        lines.append(line)
    return "\n".join(lines)


def _natural(cells: list[str]) -> int:
    return max((cell_len(line) for c in cells for line in c.split("\n")), default=0)


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


@dataclass(frozen=True)
class Hints:
    """How to see what a table left out, as the place it runs in says it (a command's options, the shell's)."""

    rows: str = "--max-rows 0 shows every row"
    columns: str = "use --format csv or -o FILE"


def write_table(
    console: Console, columns: list[str], rows: Rows, max_rows: int | None, hints: Hints, whole: bool = False
) -> None:
    """The result as a table on `console`, at its width; with `whole`, at the width the values need
    (a file has no width), every column and every row."""
    cut = None if max_rows is None or max_rows <= 0 or len(rows) <= max_rows else max_rows
    kept = list(rows) if cut is None else [*rows[: (cut + 1) // 2], *rows[len(rows) - cut // 2 :]]
    cells = [[visible(text(v)) if v is not None else NULL for v in r] for r in kept]
    heads = [visible(c) for c in columns]
    natural = [max(cell_len(h), _natural([r[i] for r in cells])) for i, h in enumerate(heads)]
    layout = Fit(list(range(len(columns))), natural, [], None) if whole else fit(natural, console.width)
    table = Table(box=box.HEAVY_HEAD, show_edge=True)
    order: list[int | None] = list(layout.shown)
    if layout.gap_after is not None:
        order.insert(layout.gap_after + 1, None)
    widths = dict(zip(layout.shown, layout.widths, strict=True))
    for i in order:
        w = 1 if i is None else widths[i]
        head = GAP if i is None else fold(heads[i], w)
        table.add_column(Text(head), width=w, overflow="fold", no_wrap=False)
    top = (cut + 1) // 2 if cut is not None else len(cells)
    for k, r in enumerate(cells):
        if k == top:
            table.add_row(*(Text(GAP) for _ in order))
        table.add_row(*(Text(GAP) if i is None else _cell(r[i], kept[k][i], widths[i]) for i in order))
    if whole:
        console.width = max(console.width, sum(natural) + _chrome(len(natural)))
    console.print(table)
    if cut is not None:
        bottom = cut - top
        note = f"{_plural(len(rows), 'row')}, {cut:,} shown (the first {top:,} and the last {bottom:,}; {hints.rows})"
        console.print(Text(note, style="dim"))
    if layout.dropped:
        names = ", ".join(heads[i] for i in layout.dropped)
        note = f"{_plural(len(layout.dropped), 'column')} not shown: {names} "
        console.print(Text(note + f"(terminal is {console.width} wide; {hints.columns})", style="dim"))


def _cell(shown: str, value: Any, width: int) -> Text:
    return Text(fold(shown, width), style="dim" if value is None else "")


# --- the other formats ---


def write_delimited(stream: TextIO, columns: list[str], rows: Rows, delimiter: str, terminal: bool) -> None:
    """CSV or TSV with a header; on a terminal (stdout) every control character shown, not obeyed."""
    shown = visible if terminal else str
    writer = csv.writer(stream, delimiter=delimiter, lineterminator="\n")
    writer.writerow([shown(c) for c in columns])
    for r in rows:
        writer.writerow([None if v is None else shown(text(v)) for v in r])


def write_json(stream: TextIO, columns: list[str], rows: Rows, lines: bool) -> None:
    """One JSON array of objects, or one object per line; control characters as \\u escapes."""
    records = [{c: plain(v) for c, v in zip(columns, r, strict=True)} for r in rows]
    if lines:
        for record in records:
            stream.write(json_text(record) + "\n")
    else:
        stream.write(json_text(records) + "\n")


def _markdown_cell(value: str) -> str:
    return value.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")


def write_markdown(stream: TextIO, columns: list[str], rows: Rows, terminal: bool) -> None:
    """A Markdown table (GitHub's form): pipes escaped, line breaks as <br>."""
    shown = visible if terminal else str
    stream.write("| " + " | ".join(_markdown_cell(shown(c)) for c in columns) + " |\n")
    stream.write("|" + "---|" * len(columns) + "\n")
    for r in rows:
        stream.write("| " + " | ".join(_markdown_cell(shown(text(v))) for v in r) + " |\n")


def write_result(
    fmt: str,
    stream: TextIO,
    console: Console,
    columns: list[str],
    rows: Rows,
    *,
    terminal: bool,
    max_rows: int | None,
    hints: Hints,
) -> None:
    """`columns` and `rows` in `fmt`: the table on `console`, the others on `stream`. `terminal` says
    they go to standard output: the table fits the console's width, and control characters are shown
    in every format; a file gets the whole table and the values as they are."""
    if fmt == "table":
        write_table(console, columns, rows, max_rows, hints, whole=not terminal)
    elif fmt in ("csv", "tsv"):
        write_delimited(stream, columns, rows, "," if fmt == "csv" else "\t", terminal)
    elif fmt in ("json", "jsonl"):
        write_json(stream, columns, rows, lines=fmt == "jsonl")
    elif fmt == "markdown":
        write_markdown(stream, columns, rows, terminal)
    else:
        raise ValueError(f"unknown format {fmt!r}")
