"""Every format ecei writes a result in, declared once: its name, file suffixes, media type and writers.

A result is columns and rows. A format writes one either in Python, a batch of rows at a time as
they come (`rows`: `ecei sql`, `ecei changes`), or through DuckDB's COPY, a whole file from a select
(`copy`: `ecei export`, `ecei release`); a value reads the same either way (ecei.outputs.cells owns
the rule, ecei.outputs.csv_cells a CSV's text cells and layout). `table` and `html` have no writer
here: the terminal's table is the command layer's (rich), and `ecei changes` renders its page.

Each command takes its formats from here by name (SQL, CHANGES, EXPORT, RELEASE): its --format
choices and help, the format an output file's suffix names, and a release's media types. A new
format is an entry in REGISTRY and its name in the commands that take it; tests/ecei/outputs/
test_formats.py writes it through each of them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol, TextIO

from ecei.outputs.cells import Cells, json_text, plain, text, visible
from ecei.outputs.csv_cells import PLAIN, Layout, csv_cell

Rows = Sequence[tuple[Any, ...]]
Batches = Iterable[Rows]  # the rows as they come, a batch at a time, read once


class RowWriter(Protocol):
    """Writes `columns` and the rows of `batches` on `stream`; returns how many rows there were.
    `terminal`: the stream is standard output, so every control character is shown, not obeyed;
    `types`: the columns' DuckDB types, where known."""

    def __call__(
        self,
        stream: TextIO,
        columns: Sequence[str],
        batches: Batches,
        *,
        terminal: bool,
        layout: Layout = PLAIN,
        types: Sequence[str] = (),
    ) -> int: ...


@dataclass(frozen=True)
class Format:
    """One format: how people name it, the files that hold it, and what writes it."""

    name: str  # as --format takes it (any case)
    suffixes: tuple[str, ...]  # the first is the one ecei gives the files it names
    media_type: str
    cells: Cells  # what its cells hold (ecei.outputs.cells)
    rows: RowWriter | None = None  # in Python, rows as they come
    copy: str | None = None  # DuckDB's COPY options: DuckDB writes the whole file
    many: bool = False  # several results follow one another in one file and leave it a file of its kind

    @property
    def suffix(self) -> str:
        return self.suffixes[0]

    @property
    def delimited(self) -> bool:
        """A CSV or TSV: its text cells safe for a spreadsheet, its layout chosen by --excel."""
        return self.cells is Cells.DELIMITED


# --- the writers of rows as they come ---


def _delimited(value: Any) -> str | int | None:
    """A value as a CSV or TSV cell: a text safe for a spreadsheet (ecei.outputs.csv_cells), NULL an empty cell."""
    kind = type(value)
    if kind is str:
        return csv_cell(value)
    if kind is int or value is None:
        written: int | None = value  # the csv module writes both as `text` would, and sooner
        return written
    return text(value)


def _shown(cell: str | int | None) -> str | int | None:
    return visible(cell) if type(cell) is str else cell


def _quoted(cell: str | int | None, delimiter: str) -> str:
    if type(cell) is not str:
        return "" if cell is None else str(cell)
    if any(c in cell for c in (delimiter, '"', "\n", "\r")):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def _lines(rows: list[list[Any]], delimiter: str, end: str = "\n") -> str:
    """`rows` as CSV (or TSV) lines ending in `end`: the csv module's, unless a cell holds a bare \r,
    which it leaves unquoted (it quotes only the line terminator, \n) and every reader takes for a
    line's end."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=end).writerows(rows)
    written = buffer.getvalue()
    if "\r" not in written.replace(end, ""):
        return written
    return "".join(delimiter.join(_quoted(c, delimiter) for c in r) + end for r in rows)


def write_delimited(
    stream: TextIO,
    columns: Sequence[str],
    batches: Batches,
    *,
    terminal: bool,
    layout: Layout = PLAIN,
    types: Sequence[str] = (),
    delimiter: str = ",",
) -> int:
    """CSV or TSV with a header, laid out as `layout` says (ecei.outputs.csv_cells)."""
    end = layout.line_end
    stream.write(layout.start)
    stream.write(_lines([[visible(csv_cell(c)) if terminal else csv_cell(c) for c in columns]], delimiter, end))
    total = 0
    for batch in batches:
        if terminal:
            stream.write(_lines([[_shown(_delimited(v)) for v in r] for r in batch], delimiter, end))
        else:
            stream.write(_lines([[_delimited(v) for v in r] for r in batch], delimiter, end))
        total += len(batch)
    return total


def write_json(
    stream: TextIO,
    columns: Sequence[str],
    batches: Batches,
    *,
    terminal: bool,
    layout: Layout = PLAIN,
    types: Sequence[str] = (),
    lines: bool = False,
) -> int:
    """One JSON array of objects, or one object per line; control characters as \\u escapes. A value
    of DuckDB's JSON type is the JSON it holds, as DuckDB writes it, not its text."""
    total = 0
    if not lines:
        stream.write("[")
    nested = [i for i, kind in enumerate(types) if kind == "JSON"]
    for batch in batches:
        if nested:
            batch = [_with_json(r, nested) for r in batch]
        records = [{c: plain(v) for c, v in zip(columns, r, strict=True)} for r in batch]
        if lines:
            stream.write("".join(json_text(record) + "\n" for record in records))
        else:
            # a batch as one array, its brackets dropped: the same text as the whole array at once
            stream.write((", " if total else "") + json_text(records)[1:-1])
        total += len(batch)
    if not lines:
        stream.write("]\n")
    return total


def _markdown_cell(value: str) -> str:
    return value.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")


def _with_json(row: tuple[Any, ...], nested: list[int]) -> tuple[Any, ...]:
    import json  # only a value of DuckDB's JSON type needs it: a table on a terminal never imports it

    values = list(row)
    for i in nested:
        if isinstance(values[i], str):
            with suppress(ValueError):  # DuckDB checks a JSON value; a text that is none stays one
                values[i] = json.loads(values[i])
    return tuple(values)


def write_markdown(
    stream: TextIO,
    columns: Sequence[str],
    batches: Batches,
    *,
    terminal: bool,
    layout: Layout = PLAIN,
    types: Sequence[str] = (),
) -> int:
    """A Markdown table (GitHub's form): pipes escaped, line breaks as <br>."""
    shown = visible if terminal else str
    stream.write("| " + " | ".join(_markdown_cell(shown(c)) for c in columns) + " |\n")
    stream.write("|" + "---|" * len(columns) + "\n")
    total = 0
    for batch in batches:
        for r in batch:
            stream.write("| " + " | ".join(_markdown_cell(shown(text(v))) for v in r) + " |\n")
        total += len(batch)
    return total


# --- the registry ---

REGISTRY: dict[str, Format] = {
    f.name: f
    for f in (
        # the terminal's table (ecei.cli.sql_formats draws it); a file of it is the table, whole
        Format("table", (), "text/plain", Cells.TEXT, many=True),
        Format(
            "csv",
            (".csv",),
            "text/csv",
            Cells.DELIMITED,
            rows=partial(write_delimited, delimiter=","),
            copy="format csv, header true",
        ),
        Format(
            "tsv",
            (".tsv",),
            "text/tab-separated-values",
            Cells.DELIMITED,
            rows=partial(write_delimited, delimiter="\t"),
            copy="format csv, header true, delimiter '\t'",
        ),
        Format(
            "json",
            (".json",),
            "application/json",
            Cells.JSON,
            rows=partial(write_json, lines=False),
            copy="format json, array true",
        ),
        # JSON lines are lines whatever their keys: results follow one another in one file
        Format(
            "jsonl",
            (".jsonl", ".ndjson"),
            "application/jsonl",
            Cells.JSON,
            rows=partial(write_json, lines=True),
            copy="format json",
            many=True,
        ),
        Format("markdown", (".md",), "text/markdown", Cells.TEXT, rows=write_markdown, many=True),
        # a page of its own: `ecei changes` renders its template
        Format("html", (".html", ".htm"), "text/html", Cells.TEXT),
        Format(
            "parquet",
            (".parquet",),
            "application/vnd.apache.parquet",
            Cells.TYPED,
            copy="format parquet, compression zstd",
        ),
    )
}

# the formats each command takes, in the order its help names them
SQL = ("table", "csv", "tsv", "json", "jsonl", "markdown")
CHANGES = ("table", "csv", "json", "html")
EXPORT = ("parquet", "csv", "json")  # written by DuckDB's COPY
RELEASE = ("csv", "parquet")  # written by DuckDB's COPY


def pick(names: Sequence[str]) -> tuple[Format, ...]:
    """The formats named, in that order."""
    return tuple(REGISTRY[name] for name in names)


def choices(names: Sequence[str]) -> str:
    """`a, b or c`: the formats named, as a help line says them."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def suffixes(names: Sequence[str]) -> dict[str, str]:
    """Each file suffix of the formats named, and the format it names."""
    return {suffix: f.name for f in pick(names) for suffix in f.suffixes}


def by_suffix(file_name: str, names: Sequence[str]) -> str | None:
    """The format among `names` whose suffix ends `file_name` (any case), or None."""
    dot = file_name.rfind(".")
    return suffixes(names).get(file_name[dot:].lower()) if dot >= 0 else None
