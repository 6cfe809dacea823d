"""How `ecei sql` writes a result: a table that fits the terminal, or a format of ecei.outputs.formats.

Its formats (FORMATS) are the registry's SQL ones; every value is written by ecei.outputs.cells' rule,
the table's cells too. Rows come in batches as DuckDB streams them, and every format writes them as
they come: only the table, drawn here, keeps some, its first and last rows. A long value is folded
onto more lines of its cell; one past CELL_WIDTH cells a line or CELL_LINES lines is cut, marked `…`,
with a line under the table saying so (the other formats keep every value whole). When the columns
do not fit the terminal even folded, whole columns are left out, as DuckDB's own CLI does (the first
and the last kept, the middle ones dropped), and a line under the table names them. Rows beyond a
cap are left out the same way, first and last kept, with a line saying how many. Several results (a
script's) follow one another through a Sink: a blank line between two tables or CSVs, JSON documents
and JSON lines as they come.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, TextIO

from rich.cells import cell_len, get_character_cell_size
from rich.console import Console
from rich.text import Text

from ecei.outputs import formats
from ecei.outputs.cells import Cells, text, visible
from ecei.outputs.csv_cells import PLAIN, Layout
from ecei.outputs.formats import Batches, Rows

FORMATS = formats.SQL
# the format a file's name asks for when --format is not given
SUFFIXES = formats.suffixes(FORMATS)
TERMINAL_ROWS = 40  # rows a table shows on a terminal, as DuckDB's CLI: the first 20 and the last 20
FOLD_AT = 16  # a column is folded down to this width (or its own, if narrower) before any is dropped
GAP = "…"  # the column (and the row, and the end of a cut value) that stands for what was left out
NULL = "NULL"
# a value past these is cut in the table: a 1 MB name must not take minutes to fold into a column
CELL_WIDTH = 200  # cells of a line of a value
CELL_LINES = 50  # lines of a value (an EXPLAIN's plan is a few dozen)
# rows a table holds when every row is asked for: past this, a table is the wrong format for them
TABLE_MOST = 1_000


def format_for(name: str | None, output: str | None) -> str:
    """The format asked for (any case), or the one an output file's suffix names, or the table."""
    if name is not None:
        return name.lower()
    if output is not None:
        return formats.by_suffix(output, FORMATS) or "table"
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
    character kept, none replaced by an ellipsis. Linear in the value: each character is measured
    once, and again at most once after a break at a space."""
    lines = []
    for line in value.split("\n"):
        start = 0
        while True:
            end, used = start, 0
            while end < len(line) and used + (size := get_character_cell_size(line[end])) <= width:
                used += size
                end += 1
            if end == len(line):
                lines.append(line[start:])
                break
            # a character wider than the column (界 in one cell) still goes, on a line of its own
            end = max(end, start + 1)
            space = line.rfind(" ", start, end) - start
            if space >= (end - start) // 2:
                end = start + space + 1
            lines.append(line[start:end])
            start = end
    return "\n".join(lines)


def _clipped(line: str, width: int) -> str:
    """The first cells of `line` that leave room for GAP within `width`, then GAP."""
    used, end = 0, 0
    while end < len(line) and used + (size := get_character_cell_size(line[end])) <= width - 1:
        used += size
        end += 1
    return line[:end] + GAP


def cut(value: str) -> tuple[str, bool]:
    """`value` as the table holds it: at most CELL_LINES lines of at most CELL_WIDTH cells, the cut
    marked GAP; and whether anything was cut. The work is bounded by what is kept, not the value."""
    bound = CELL_LINES * (CELL_WIDTH + 1)  # characters that can be shown; the rest is never looked at
    ends_early = len(value) > bound
    lines = visible(value[:bound]).split("\n")
    if len(lines) > CELL_LINES:
        lines, ends_early = lines[:CELL_LINES], True
    was_cut = ends_early
    kept = []
    for line in lines:
        if cell_len(line) > CELL_WIDTH:
            line, was_cut = _clipped(line, CELL_WIDTH), True
        kept.append(line)
    if ends_early and not kept[-1].endswith(GAP):
        kept[-1] = _clipped(kept[-1], CELL_WIDTH) if cell_len(kept[-1]) >= CELL_WIDTH else kept[-1] + GAP
    return "\n".join(kept), was_cut


def _natural(cells: list[str]) -> int:
    return max((cell_len(line) for c in cells for line in c.split("\n")), default=0)


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


@dataclass(frozen=True)
class Hints:
    """How to see what a table left out, as the place it runs in says it (a command's options, the shell's)."""

    rows: str = "--max-rows 0 shows every row"
    every_row: str = "--format csv or -o FILE.csv gives every row"
    columns: str = "use --format csv or -o FILE"
    values: str = "--format csv, json or -o FILE.csv shows them whole"


@dataclass
class _Kept:
    """The rows a table shows, read from batches as they come: the first `top` as cells, the last
    `bottom` as rows (the batches that hold them), and how many there were."""

    top: int
    bottom: int
    head: list[tuple[Any, ...]]
    tail: deque[Rows]
    tail_rows: int = 0
    total: int = 0

    def take(self, batch: Rows) -> None:
        if len(self.head) < self.top:
            self.head.extend(batch[: self.top - len(self.head)])
        self.total += len(batch)
        if self.bottom:
            self.tail.append(batch)
            self.tail_rows += len(batch)
            while self.tail_rows - len(self.tail[0]) >= self.bottom:
                self.tail_rows -= len(self.tail.popleft())

    def last(self, count: int) -> list[tuple[Any, ...]]:
        rows = [r for batch in self.tail for r in batch]
        return rows[len(rows) - count :] if count else []


def _keep(batches: Batches, max_rows: int | None) -> tuple[list[tuple[Any, ...]], int, int | None, bool]:
    """The rows to show, how many there were, where the gap row goes (None: no gap), and whether
    they are only the first TABLE_MOST of every row asked for."""
    every = max_rows is None or max_rows <= 0
    cap = TABLE_MOST if every else min(max_rows or 0, TABLE_MOST)
    top = cap if every else (cap + 1) // 2
    kept = _Kept(top, 0 if every else cap // 2, [], deque())
    for batch in batches:
        kept.take(batch)
    if kept.total <= cap:
        return [*kept.head, *kept.last(kept.total - len(kept.head))], kept.total, None, False
    if every:
        return kept.head, kept.total, None, True
    return [*kept.head, *kept.last(cap // 2)], kept.total, top, False


def write_table(
    console: Console, columns: list[str], batches: Batches, max_rows: int | None, hints: Hints, whole: bool = False
) -> int:
    """The result as a table on `console`, at its width; with `whole`, at the width the values need
    (a file has no width), every column. Returns how many rows the result had."""
    from rich import box  # a table's drawing only when one is drawn: `ecei sql -o x.csv` starts without it
    from rich.table import Table

    kept, total, top, first_only = _keep(batches, max_rows)
    cut_values = 0
    cells: list[list[str]] = []
    for r in kept:
        row = []
        for v in r:
            shown, was_cut = cut(text(v)) if v is not None else (NULL, False)
            cut_values += was_cut
            row.append(shown)
        cells.append(row)
    heads = [cut(c)[0] for c in columns]
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
    for k, row in enumerate(cells):
        if k == top:
            table.add_row(*(Text(GAP) for _ in order))
        table.add_row(*(Text(GAP) if i is None else _cell(row[i], kept[k][i], widths[i]) for i in order))
    if whole:
        console.width = max(console.width, sum(natural) + _chrome(len(natural)))
    console.print(table)
    if top is not None:
        bottom = len(kept) - top
        note = f"{_plural(total, 'row')}, {len(kept):,} shown (the first {top:,} and the last {bottom:,}; {hints.rows})"
        console.print(Text(note, style="dim"))
    if first_only:
        note = f"{_plural(total, 'row')}, the first {len(kept):,} shown (a table holds at most {TABLE_MOST:,}; "
        console.print(Text(note + f"{hints.every_row})", style="dim"))
    if cut_values:
        note = f"{_plural(cut_values, 'value')} cut at {CELL_WIDTH} characters a line or {CELL_LINES} lines, "
        console.print(Text(note + f"marked {GAP} ({hints.values})", style="dim"))
    if layout.dropped:
        names = ", ".join(heads[i] for i in layout.dropped)
        note = f"{_plural(len(layout.dropped), 'column')} not shown: {names} "
        console.print(Text(note + f"(terminal is {console.width} wide; {hints.columns})", style="dim"))
    return total


def _cell(shown: str, value: Any, width: int) -> Text:
    return Text(fold(shown, width), style="dim" if value is None else "")


def write_result(
    fmt: str,
    stream: TextIO,
    console: Console,
    columns: list[str],
    batches: Batches,
    *,
    terminal: bool,
    max_rows: int | None,
    hints: Hints,
    layout: Layout = PLAIN,
    types: Sequence[str] = (),
) -> int:
    """`columns` (of DuckDB `types`) and the rows of `batches` in `fmt`: the table on `console`, the others on `stream`;
    returns how many rows there were. `terminal` says they go to standard output: the table fits the
    console's width, and control characters are shown in every format; a file gets the whole table
    and the values as they are."""
    if fmt == "table":
        return write_table(console, columns, batches, max_rows, hints, whole=not terminal)
    writer = formats.REGISTRY[fmt].rows
    if writer is None:
        raise ValueError(f"{fmt} is no format of a result")
    return writer(stream, columns, batches, terminal=terminal, layout=layout, types=types)


# --- several results, one after another ---

# the formats whose results follow one another in one file and leave it a file of its kind
MANY_IN_A_FILE = tuple(f.name for f in formats.pick(FORMATS) if f.many)


@dataclass
class Sink:
    """Where results go, one after another: a blank line between two tables, CSVs or TSVs; a JSON
    document or JSON lines follow the last as they are. Counts the results and their rows."""

    fmt: str
    stream: TextIO
    console: Console
    terminal: bool  # standard output: a table fits the console, controls are shown (write_result)
    max_rows: int | None
    hints: Hints
    results: int = 0
    rows: int = 0
    largest: int = 0
    layout: Layout = PLAIN  # a CSV's or TSV's (--excel): its start (a byte-order mark) begins the first result only

    @classmethod
    def to_file(cls, fmt: str, stream: TextIO, hints: Hints, results: int = 0, layout: Layout = PLAIN) -> Sink:
        """Results into a file: every row, the table whole (a file has no width); `results` already there."""
        console = Console(file=stream, width=80, color_system=None, force_terminal=False, soft_wrap=False)
        return cls(fmt, stream, console, terminal=False, max_rows=None, hints=hints, results=results, layout=layout)

    def write(self, columns: list[str], batches: Batches, types: Sequence[str] = ()) -> int:
        """One result (of DuckDB `types`, where known) after the others; returns its rows."""
        if self.results and formats.REGISTRY[self.fmt].cells is not Cells.JSON:
            if self.fmt == "table":
                self.console.print()
            else:
                self.stream.write("\n")
        total = write_result(
            self.fmt,
            self.stream,
            self.console,
            columns,
            batches,
            terminal=self.terminal,
            max_rows=self.max_rows,
            hints=self.hints,
            layout=self.layout if not self.results else replace(self.layout, start=""),
            types=types,
        )
        self.stream.flush()
        self.results, self.rows, self.largest = self.results + 1, self.rows + total, max(self.largest, total)
        return total
