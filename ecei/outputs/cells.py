"""How ecei writes a value, the one rule for every file and every terminal, in Python and as DuckDB SQL.

`ecei sql` and `ecei changes` write their rows in Python, a row at a time (ecei.outputs.formats);
`ecei export` and `ecei release` have DuckDB's COPY write whole files from a select list that
`columns_as` makes. Both follow this rule, and tests/ecei/outputs/test_cells.py holds them equal, value
for value:

- a timestamp (any precision, with or without its zone): as ecei.moments.stamp writes it,
  `2018-10-15T09:30:00Z`, UTC to the second (the fraction dropped), also inside a list, a struct or
  a map's values; in Parquet a real TIMESTAMP WITH TIME ZONE;
- a date `2018-10-15`, a time `09:30:00`;
- NULL: an empty CSV or TSV cell, JSON's null (`NULL` in a table on a terminal);
- a text as it is; in a CSV or TSV cell, safe for a spreadsheet (ecei.outputs.csv_cells);
- a number as DuckDB writes it: `42`, `1.5`, a decimal with its scale (`1.10`); JSON reads `1.10` as 1.1;
- true and false;
- a list, a struct or a map: in a CSV or TSV cell (and a table) compact JSON, `["ICT","Health"]`,
  `{"k":"v"}`, as DuckDB's to_json writes one; in JSON a real array or object;
- a value of DuckDB's JSON type: its text in a cell, the JSON it holds in a JSON file.

Outside the rule (no table of ecei holds one): DuckDB's infinite timestamps (Python reads them as
the first and last instants), years past 9999, intervals, unions, REAL (single precision); in a list,
a control character's escape may differ in case (`\u001f`, `\u001f`: the same JSON).

`visible` is how any text a site or a query wrote reaches a terminal: its controls shown, not obeyed.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
import uuid
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from ecei.moments import stamp

if TYPE_CHECKING:
    import json

# What a terminal acts on instead of showing: C0 controls (ESC starts a colour or a cursor move) and
# DEL as their Control Pictures (U+2400...), C1 controls (0x9B is CSI on its own), line separators and
# bidirectional overrides (U+202E turns the rest of a line around) as \xNN and \uNNNN. A line break
# stays one: query results such as EXPLAIN's hold them, and a table or CSV keeps them in their cell.
_SHOWN: dict[int, str] = {
    **{c: chr(0x2400 + c) for c in range(0x20) if c != 0x0A},
    0x7F: "\N{SYMBOL FOR DELETE}",
    **{c: f"\\x{c:02x}" for c in range(0x80, 0xA0)},
    **{
        c: f"\\u{c:04x}"
        for c in (0x061C, 0x200E, 0x200F, 0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
    },
}
# in JSON the same characters become escapes of the very same value (\uNNNN), not pictures
_JSON_SHOWN: dict[int, str] = {c: f"\\u{c:04x}" for c in _SHOWN}
# a search in C finds the rare text that needs translating: `ecei sql` writes millions of cells
_ANY_SHOWN = re.compile("[" + "".join(re.escape(chr(c)) for c in _SHOWN) + "]")


def visible(text: str) -> str:
    """Text the site (or a query) wrote, made safe for a terminal: every control shown, none obeyed."""
    return text.translate(_SHOWN) if _ANY_SHOWN.search(text) else text


def plain(value: Any) -> Any:
    """A value as JSON holds it: a timestamp as `stamp` writes it, a day ISO, a decimal a number, a blob
    as DuckDB writes one, a list or a struct an array or an object, anything else its text (the one rule
    for every --json and --format json)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        # JSON has no NaN or infinity: they stay readable, as DuckDB writes them
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dt.datetime):
        return stamp(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value) if value.is_finite() else str(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, bytes | bytearray | memoryview):
        return _blob(bytes(value))
    if isinstance(value, uuid.UUID | dt.timedelta):
        return str(value)
    return str(value)


def _blob(raw: bytes) -> str:
    """A BLOB as DuckDB writes one: printable ASCII as it is, every other byte as \\xNN."""
    return "".join(chr(b) if 0x20 <= b < 0x7F and b != 0x5C else f"\\x{b:02X}" for b in raw)


# json is imported for the first value written as JSON: the read commands' tables never import it
_ENCODER: json.JSONEncoder | None = None
# a list, a struct or a map in a cell: compact, as DuckDB's to_json writes one
_CELL_ENCODER: json.JSONEncoder | None = None


def _encoders() -> tuple[json.JSONEncoder, json.JSONEncoder]:
    global _ENCODER, _CELL_ENCODER
    import json

    _ENCODER = json.JSONEncoder(ensure_ascii=False, default=plain)
    _CELL_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
    return _ENCODER, _CELL_ENCODER


def json_text(document: Any, **dumps: Any) -> str:
    """One JSON document whose strings carry no raw control or bidi character (they are \\u escapes)."""
    dumps.setdefault("default", plain)
    # json.dumps builds an encoder on every call it is given options: `ecei sql` makes millions of calls
    if dumps == {"default": plain}:
        found = (_ENCODER or _encoders()[0]).encode(document)
    else:
        import json

        found = json.dumps(document, ensure_ascii=False, **dumps)
    return found.translate(_JSON_SHOWN) if _ANY_SHOWN.search(found) else found


def json_cell(value: Any) -> str:
    """A list, a struct or a map as a CSV, TSV or table cell holds it: compact JSON of its plain values."""
    return (_CELL_ENCODER or _encoders()[1]).encode(plain(value))


def text(value: Any) -> str:
    """A value as a CSV, TSV, Markdown or table cell holds it (NULL is the empty string here; a CSV's
    text cell then follows ecei.outputs.csv_cells)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | dict):
        return json_cell(value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")  # its scale kept, never an exponent: `1.10`, as DuckDB writes it
    found = plain(value)
    return found if isinstance(found, str) else str(found)


# --- the same rule as DuckDB SQL, for the files DuckDB's COPY writes ---


class Cells(StrEnum):
    """What a file's cells hold, as the select list that DuckDB writes it from must shape them."""

    TYPED = "typed"  # DuckDB's own types (Parquet): a timestamp as TIMESTAMP WITH TIME ZONE
    DELIMITED = "delimited"  # a CSV or TSV cell: text, safe for a spreadsheet
    JSON = "json"  # a JSON value
    TEXT = "text"  # a Markdown or table cell (written in Python only)


# ecei.moments.stamp as a DuckDB format: stamp() drops the fraction of a second, and so does %S
STAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_TIMESTAMPS = frozenset({"timestamp", "timestamp with time zone", "timestamp_s", "timestamp_ms", "timestamp_ns"})
_NESTED = frozenset({"list", "array", "struct", "map"})


def quoted(name: str) -> str:
    """`name` as a DuckDB identifier."""
    return '"' + name.replace('"', '""') + '"'


def columns_as(described: list[tuple[Any, ...]], cells: Cells) -> str:
    """The select list that writes the columns `described` (DESCRIBE's rows: name, type, ...) as the
    rule says, for a file whose cells are `cells`."""
    columns = []
    for name, column_type, *_ in described:
        column = quoted(name)
        shaped = _shaped(column, column_type, cells)
        columns.append(column if shaped == column else f"{shaped} as {column}")
    return ", ".join(columns)


def _shaped(column: str, column_type: str, cells: Cells) -> str:
    import duckdb  # only a file DuckDB writes needs its types read

    kind = duckdb.sqltype(column_type)
    if cells is Cells.TYPED:
        return f"{column}::timestamptz" if kind.id in _TIMESTAMPS else column  # the session's zone is UTC
    if kind.id in _NESTED:
        stamped = _stamped(column, kind, 0) or column
        return f"to_json({stamped})::varchar" if cells is Cells.DELIMITED else stamped
    if kind.id in _TIMESTAMPS:
        return f"strftime({column}, '{STAMP_FORMAT}')"
    if cells is Cells.DELIMITED and kind.id == "varchar":  # JSON's text too
        from ecei.outputs.csv_cells import csv_cell_sql  # only a CSV DuckDB writes

        return csv_cell_sql(column)
    return column


def _stamped(expr: str, kind: Any, depth: int) -> str | None:
    """`expr` (of DuckDB type `kind`) with every timestamp in it as STAMP_FORMAT writes it; None when
    it holds none."""
    if kind.id in _TIMESTAMPS:
        return f"strftime({expr}, '{STAMP_FORMAT}')"
    children = dict(kind.children) if kind.id in _NESTED else {}
    item = f"x{depth}"  # a lambda's variable, one per depth
    if kind.id in ("list", "array"):
        inner = _stamped(item, children["child"], depth + 1)
        return None if inner is None else f"list_transform({expr}, lambda {item}: {inner})"
    if kind.id == "map":  # its values; a key stays as DuckDB writes it
        inner = _stamped(f"{item}.value", children["value"], depth + 1)
        if inner is None:
            return None
        entry = f"struct_pack(key := {item}.key, value := {inner})"
        return f"map_from_entries(list_transform(map_entries({expr}), lambda {item}: {entry}))"
    if kind.id == "struct":
        fields = {name: _stamped(f"{expr}.{quoted(name)}", child, depth + 1) for name, child in kind.children}
        if all(found is None for found in fields.values()):
            return None
        packed = ", ".join(f"{quoted(name)} := {found or f'{expr}.{quoted(name)}'}" for name, found in fields.items())
        return f"case when {expr} is null then null else struct_pack({packed}) end"
    return None
