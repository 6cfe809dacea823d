"""How every command's table meets the terminal: fitted to its width, or a record to a block below it.

A command builds a rich Table as usual and hands it to `print_table`. Each column gets a floor
measured with rich (`Measurement.get`): its header's longest word, all of a number or a no_wrap
column's widest value, any other column's longest word up to WORD_FLOOR. Above the floors every
column is capped at one width, the largest that fits, and the widths chosen are fixed on the
columns, so rich never squeezes one below its floor (its own last resort shrinks every column
evenly: a header one letter a line). Where the floors alone are wider than the terminal, the rows
are shown as psql's expanded mode shows them: one block a row, `-[ 1 ]---`, then `header | value`
lines wrapped to the width.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from itertools import zip_longest
from typing import Annotated

import typer
from rich.cells import cell_len
from rich.console import Console, RenderableType
from rich.measure import Measurement
from rich.table import Column, Table
from rich.text import Text

from ecei.cli.kit import err, out

WORD_FLOOR = 16  # a longer word may fold (or be cut) at its column's width; a shorter one stays whole
_BOUNDLESS = 100_000  # a width no table needs: what it measures at is what its values need
_NUMBER = re.compile(r"[-+]?\d[\d,._:]*%?|-|")  # a count, an id, a score, a share, or nothing
_CUTS = ("ellipsis", "crop")  # the overflows that cut a word short (rich's default is ellipsis)
_SEP = " | "

WideOption = Annotated[
    bool,
    typer.Option(
        "--wide", help="Print the table at the width its values need, one line a row, whatever the terminal's width"
    ),
]


def unbounded() -> bool:
    """Stdout is a file or a pipe, and COLUMNS gives no width: a table there can be as wide as its
    values (a line a row, for grep), as `--wide` prints it."""
    # COLUMNS is the terminal's word, as rich reads it, not a setting of ecei's
    return not out.is_terminal and not os.environ.get("COLUMNS", "").strip().isdigit()


@dataclass(frozen=True)
class _Span:
    """What a column's values need: at least `floor` cells, at most `natural`, its longest word `word`."""

    floor: int
    natural: int
    word: int


def print_table(table: Table, whole: str = "", *, console: Console | None = None, wide: bool = False) -> None:
    """Print `table` no wider than `console` (default: stdout): a header never narrower than its word,
    a number never wrapped, a long word folded, or cut with an ellipsis and one note on stderr saying
    that `whole` (such as "`--json`") shows it whole; as records where no table can fit. With `wide`,
    at the width the values need, however wide that is."""
    console = console or out
    if wide:
        needed = Measurement.get(console, console.options.update_width(_BOUNDLESS), table).maximum
        _print_lines(console, table, max(needed, console.width))
        return
    spans = [_span(console, column) for column in table.columns]
    room = console.width - _chrome(console, table)
    if not table.columns or sum(s.floor for s in spans) > room:
        print_records(table, console)
        return
    widths = _share(room, spans)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    _print_lines(console, table, console.width)
    cut = [
        column
        for column, span, width in zip(table.columns, spans, widths, strict=True)
        if (span.natural > width if column.no_wrap else span.word > width and column.overflow in _CUTS)
    ]
    if cut:
        how = whole or "a wider terminal"
        err.print(
            Text(f"note: \N{HORIZONTAL ELLIPSIS} marks a value cut short to fit {console.width} columns; {how} "
                 "shows every value whole", style="dim"),
            soft_wrap=True,
        )  # fmt: skip


def _print_lines(console: Console, table: Table, width: int) -> None:
    """The table drawn `width` wide, each line without the spaces that pad it on the right (a grid's
    last column, a centred title)."""
    for line in console.render_lines(table, console.options.update_width(width), pad=False):
        text = Text.assemble(*((segment.text, segment.style or "") for segment in line))
        text.rstrip()
        console.print(text, no_wrap=True, crop=False, soft_wrap=True)


def _text(console: Console, renderable: RenderableType) -> Text:
    """A cell as Text: a string's markup applied as the table would apply it."""
    if isinstance(renderable, Text):
        return renderable
    if isinstance(renderable, str):
        return console.render_str(renderable)
    return Text(str(renderable))


def _span(console: Console, column: Column) -> _Span:
    if column.width is not None:
        return _Span(column.width, column.width, column.width)
    options = console.options.update_width(_BOUNDLESS)
    header = Measurement.get(console, options, column.header)
    values = [Measurement.get(console, options, value) for value in column.cells]
    word = max((v.minimum for v in values), default=0)
    widest = max((v.maximum for v in values), default=0)
    numbers = all(_NUMBER.fullmatch(_text(console, v).plain.strip()) for v in column.cells)
    kept_whole = widest if column.no_wrap or numbers else min(word, WORD_FLOOR)
    floor = max(header.minimum, kept_whole, column.min_width or 0)
    natural = max(header.maximum, widest)
    if column.max_width is not None:
        natural = min(natural, column.max_width)
    return _Span(floor, max(floor, natural, 1), word)


def _chrome(console: Console, table: Table) -> int:
    """The cells the borders and the padding take, measured by rich on the table with empty columns."""
    kept = [column.width for column in table.columns]
    for column in table.columns:
        column.width = 0
    try:
        return Measurement.get(console, console.options.update_width(_BOUNDLESS), table).maximum
    finally:
        for column, width in zip(table.columns, kept, strict=True):
            column.width = width


def _share(room: int, spans: list[_Span]) -> list[int]:
    """Each column's width, between its floor and its natural width, adding up to at most `room`:
    every column capped at one width, the largest cap that fits, the cells left over to the capped
    columns one each (the floors fit: the caller saw to it)."""

    def capped(cap: int) -> list[int]:
        return [min(s.natural, max(cap, s.floor)) for s in spans]

    cap = max(s.natural for s in spans)
    while cap > 0 and sum(capped(cap)) > room:
        cap -= 1
    widths = capped(cap)
    spare = room - sum(widths)
    for i, span in enumerate(spans):
        if spare > 0 and widths[i] < span.natural:
            widths[i] += 1
            spare -= 1
    return widths


def print_text(text: Text, console: Console | None = None, style: str = "", wide: bool = False) -> None:
    """`text` wrapped at word boundaries to the console's width, no line ending in a space; with
    `wide`, each of its lines whole."""
    console = console or out
    for line in text.wrap(console, _BOUNDLESS if wide else console.width):
        line.rstrip()
        console.print(line, style=style, no_wrap=True, crop=False)


def print_records(table: Table, console: Console | None = None) -> None:
    """The table's rows as psql's expanded mode shows them, wrapped to the console's width: a block a
    row headed `-[ N ]` (`-[ first value ]` where the first column has no header), then a
    `header | value` line for each column; a table without headers is one block of `first | rest`."""
    console = console or out
    if table.title is not None:
        print_text(_text(console, table.title), console, style="table.title")
    columns = [[_text(console, value) for value in column.cells] for column in table.columns]
    rows = list(zip(*columns, strict=True))
    headers = [_text(console, column.header) for column in table.columns]
    if not table.show_header:
        blocks: list[tuple[Text | None, list[tuple[Text, Text]]]] = [
            (None, [pair for row in rows for pair in zip_longest(row[:1], row[1:], fillvalue=Text(""))])
        ]
    elif headers and not headers[0].plain.strip():
        blocks = [(row[0], list(zip(headers[1:], row[1:], strict=True))) for row in rows]
    else:
        blocks = [(Text(str(n)), list(zip(headers, row, strict=True))) for n, row in enumerate(rows, 1)]
    labels = [label.plain for _, pairs in blocks for label, _ in pairs]
    longest = max(map(cell_len, labels), default=1)
    word = max((cell_len(w) for label in labels for w in label.split()), default=1)
    label_width = min(longest, max(word, console.width // 3))  # a long header wraps, at its spaces
    bodies = [_lines(console, pairs, label_width) for _, pairs in blocks]
    block_width = min(console.width, max((line.cell_len for lines in bodies for line in lines), default=0))
    for (head, _), lines in zip(blocks, bodies, strict=True):
        if head is not None:
            top = f"-[ {head.plain} ]"
            if cell_len(top) <= label_width:  # the + stands over the | beneath, as psql draws it
                top += "-" * (label_width + 1 - cell_len(top)) + "+"
            top += "-" * max(1, block_width - cell_len(top))
            lines = [*Text(top).wrap(console, console.width, overflow="fold"), *lines]
        for line in lines:
            console.print(line, no_wrap=True, crop=False)


def _lines(console: Console, pairs: list[tuple[Text, Text]], label_width: int) -> list[Text]:
    """`label | value` lines, each side wrapped to its width, the value at word boundaries."""
    value_width = max(1, console.width - label_width - len(_SEP))
    lines: list[Text] = []
    for label, value in pairs:
        labels = label.wrap(console, label_width, overflow="fold")
        values = value.wrap(console, value_width, overflow="fold")
        for left, right in zip_longest(labels, values, fillvalue=Text("")):
            left = left.copy()
            left.stylize("bold")
            left.pad_right(label_width - left.cell_len)
            line = Text.assemble(left, _SEP, right)
            line.rstrip()
            lines.append(line)
    return lines
