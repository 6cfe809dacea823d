"""How every CSV (and TSV) cell ecei writes holds a text: shown by a spreadsheet, never run by it.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula (and a tab or a carriage
return in front does not stop it), so a cluster named `=HYPERLINK(...)` on the site would become one
in whoever opens our CSV. OWASP's rule: such a text gets a single apostrophe in front, which the
spreadsheet takes as "this is text" and does not show. Only text is changed: a number, a day or a
timestamp is written as it is (a negative number stays a number). Parquet and JSON keep every value
exactly; so does the table on a terminal.

`csv_cell` is the rule for the cells Python writes (`ecei sql`, `ecei changes`); `csv_cell_sql` is the
same rule as a DuckDB expression for the files DuckDB's COPY writes (`ecei export`, `ecei release`):
tests/ecei/outputs/test_csv_cells.py holds the two equal.

How a file is laid out is chosen here too (`layout`): plain UTF-8 with `\n` line ends, or with
`--excel` a UTF-8 byte-order mark first and `\r\n` line ends. Excel reads a CSV without the mark in
the machine's legacy code page (`Tèxtils` shows as `TÃ¨xtils`); `\r\n` is RFC 4180's line end and
what Excel itself writes ("CSV UTF-8"), though it reads `\n` as well. A line break inside a cell stays
`\n`, as Excel writes one.
"""

from __future__ import annotations

from dataclasses import dataclass

# what a spreadsheet reads as the start of a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MARK = "'"
NOTE = (
    "A text that starts with =, +, -, @, a tab or a carriage return is written with a single apostrophe "
    "(') in front, so that a spreadsheet shows it as text instead of running it as a formula; the "
    "Parquet file holds every value exactly."
)


def csv_cell(text: str) -> str:
    """`text` as a CSV cell holds it (see the module)."""
    return MARK + text if text.startswith(FORMULA_STARTS) else text


def _literal(start: str) -> str:
    return f"chr({ord(start)})" if not start.isprintable() else "'" + start.replace("'", "''") + "'"


def csv_cell_sql(column: str) -> str:
    """The DuckDB expression that writes the VARCHAR `column` (a quoted name) as `csv_cell` does."""
    starts = ", ".join(_literal(s) for s in FORMULA_STARTS)
    mark = "'" + MARK.replace("'", "''") + "'"
    return f"case when substring({column}, 1, 1) in ({starts}) then {mark} || {column} else {column} end"


@dataclass(frozen=True)
class Layout:
    """How a CSV or TSV file begins and ends its lines."""

    start: str  # written before the header
    line_end: str

    def copy_options(self) -> str:
        """The line end as a DuckDB COPY option (DuckDB reads the escapes); the start is not DuckDB's to write."""
        return "new_line '" + self.line_end.encode("unicode_escape").decode("ascii") + "'"


BOM = "\ufeff"  # UTF-8's byte-order mark: how a spreadsheet knows the file is UTF-8
PLAIN = Layout("", "\n")
EXCEL = Layout(BOM, "\r\n")
EXCEL_HELP = "for a spreadsheet: a UTF-8 byte-order mark first (Excel reads accents right) and CRLF line ends"


def layout(excel: bool) -> Layout:
    """The layout `--excel` chooses."""
    return EXCEL if excel else PLAIN
