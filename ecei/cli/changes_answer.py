"""`ecei changes` answered: what was added, removed, renamed and changed between two points in time,
as a table, CSV, JSON or a small self-contained HTML page. Its typer declaration (options, help) is
ecei.cli.changes; this module imports no typer, so that its usual forms are answered without it
(FAST, ecei.cli.fast)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from ecei import change_kinds
from ecei.cli.fast import Fast, path, text
from ecei.cli.kit import (
    bad_value,
    cell,
    echo,
    err,
    json_text,
    outcomes,
    plain,
    read_settings,
    readable_db,
    reading_from,
    shown,
    visible,
    when_parser,
)
from ecei.cli.tables import print_table, print_text
from ecei.history.changes import FIELDS, ChangesResult, account_lines, account_text, changes
from ecei.moments import When, stamp

if TYPE_CHECKING:
    from ecei.outputs.csv_cells import Layout

_KIND = {k.name: k for k in change_kinds.KINDS}


def answer(
    since: When,
    until: When | None = None,
    country: str | None = None,
    fmt: str | None = None,
    output: Path | None = None,
    db: Path | None = None,
    live: bool = False,
    excel: bool = False,
) -> None:
    """`ecei changes --since WHEN [--until WHEN] [--country C] [--format F] [--out FILE] [--db PATH]
    [--live] [--excel]` (ecei.cli.changes declares them)."""
    chosen_format = _format(fmt, output)
    if excel and chosen_format != "csv":
        raise bad_value("it lays out a CSV file: give --format csv (or --out FILE.csv)", "--excel")
    chosen = read_settings(db)
    reading = reading_from(chosen, readable_db(chosen, live))
    # the writer, the CSV cells: imported for the answers that need them (a table on the terminal does not)
    if output is not None:
        from ecei.outputs.files import STDOUT, check_output, guard, write_output

        guarded = guard(chosen.db)
        if str(output) == STDOUT:
            output = None
    with outcomes():
        if output is not None:
            check_output(output, guarded, "--out")  # before the query: an --out naming an input is refused
        result = changes(reading, since, until, country)
    if chosen_format == "table" and output is None:
        _print_table(result)
        return
    if chosen_format == "csv":
        from ecei.outputs.csv_cells import layout

        text = _csv(result, output is not None, layout(excel))
    else:
        text = {"table": _table_text, "json": _json, "html": _html}[chosen_format](result, output is not None)
    if output is None:
        echo(text, nl=not text.endswith("\n"))
    else:
        with outcomes():
            write_output(output, text, guarded, "--out", make_folder=True)  # whole or not at all
    err.print(shown(_summary(result) + (f"; wrote {output}" if output is not None else "")), highlight=False)


FAST = Fast(
    answer,
    options={
        "--since": ("since", when_parser("--since")),
        "--until": ("until", when_parser("--until")),
        "--country": ("country", text),
        "--format": ("fmt", text),
        "--out": ("output", path),
        "--db": ("db", path),
    },
    flags={"--live": "live", "--excel": "excel"},
    required=frozenset({"since"}),
)


def _format(given: str | None, output: Path | None) -> str:
    if given is None and output is None:
        return "table"
    from ecei.outputs import formats  # the registry only when a format or a file is named

    if given is not None:
        chosen = given.strip().lower()
        if chosen not in formats.CHANGES:
            raise bad_value(f"choose {', '.join(formats.CHANGES)} (not {given!r})", "--format")
        return chosen
    assert output is not None
    return formats.by_suffix(output.name, formats.CHANGES) or "table"


def _summary(result: ChangesResult) -> str:
    """`no changes between A and B`, or `N clusters changed between A and B: 1 added, ... (1 renewed)`."""
    between = f"between {result.since.words} and {result.until.words}"
    where = f" in {', '.join(result.countries)}" if result.countries else ""
    if not result.changes:
        return f"no changes{where} {between}"
    counts = result.counts()
    kinds = ", ".join(f"{counts[k.name]} {k.label}" for k in change_kinds.KINDS)
    renewed = counts[change_kinds.RENEWED.name]
    if renewed:
        kinds += f" ({renewed} {change_kinds.RENEWED.label})"
    clusters = "1 cluster" if len(result.changes) == 1 else f"{len(result.changes)} clusters"
    return f"{clusters} changed{where} {between}: {kinds}"


def _value(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, dt.datetime):
        return stamp(value) or ""
    return str(value)


def _what(row: dict[str, Any], sep: str = "; ") -> str:
    return account_text(row["account"], _value, sep=sep)


def _kind(row: dict[str, Any]) -> str:
    return _KIND[row["change"]].label


def _rich_table(result: ChangesResult) -> Table:
    table = Table()
    # headers as Text: a str is read for markup and emoji codes (ecei.cli.tables.as_text)
    table.add_column(Text("change"), no_wrap=True)
    table.add_column(Text("country"))
    table.add_column(Text("name"), overflow="fold", max_width=50)  # a long name folds, what changed stays readable
    table.add_column(Text("what changed"), overflow="fold")
    table.add_column(Text("at"), no_wrap=True)
    for row in result.changes:
        what = cell(_what(row, "\n"))  # a field a line
        table.add_row(Text(_kind(row)), cell(row["country"]), cell(row["name"]), what, cell(row["changed_at"]))
    return table


def _print_table(result: ChangesResult) -> None:
    print_text(Text(visible(_summary(result))))  # the heading: both points and the counts
    if result.changes:
        print_table(_rich_table(result), "`--format csv` or `--format json`")


def _table_text(result: ChangesResult, to_file: bool) -> str:
    """The table as plain text, for --out with --format table."""
    buffer = io.StringIO()
    from rich.console import Console

    console = Console(file=buffer, width=200, color_system=None, force_terminal=False)
    console.print(Text(visible(_summary(result))), soft_wrap=True)
    if result.changes:
        print_table(_rich_table(result), console=console, wide=True)  # a file has no width
    return buffer.getvalue()


CSV_COLUMNS: tuple[str, ...] = (
    "change",
    "renewed",
    "cluster_id",
    "country",
    "country_id",
    "name",
    "changed_fields",
    "changed_at",
    *(f"{side}_{name}" for name in FIELDS for side in ("old", "new")),
    "since_at",
    "until_at",
)


def _csv(result: ChangesResult, to_file: bool, chosen: Layout | None = None) -> str:
    """One row per cluster, each field's value before and after in columns of their own, written as
    every CSV of ecei is (ecei.outputs.formats); on a terminal controls are shown, not obeyed. Laid
    out as `chosen` says (default csv_cells.PLAIN)."""
    if chosen is None:
        from ecei.outputs.csv_cells import PLAIN

        chosen = PLAIN
    buffer = io.StringIO()
    ends = {"since_at": result.since.at, "until_at": result.until.at}
    rows = [tuple({**row, **ends}[c] for c in CSV_COLUMNS) for row in result.changes]
    from ecei.outputs import formats

    writer = formats.REGISTRY["csv"].rows
    assert writer is not None
    writer(buffer, CSV_COLUMNS, [rows], terminal=not to_file, layout=chosen)
    return buffer.getvalue()


def document(result: ChangesResult) -> dict[str, Any]:
    """The result as one JSON document: both points, the counts, and each cluster before and after."""
    return {
        "since": {"given": result.since.given, "at": result.since.stamp},
        "until": {"given": result.until.given, "at": result.until.stamp},
        "countries": result.countries,
        "country_ids": result.country_ids,
        "counts": result.counts(),
        "changes": [
            {
                "change": row["change"],
                "renewed": row["renewed"],
                "cluster_id": row["cluster_id"],
                "country": row["country"],
                "name": row["name"],
                "changed_at": stamp(row["changed_at"]),
                "changed_fields": list(row["changed_fields"]),
                "before": None if row["old_name"] is None else {f: plain(row["old_" + f]) for f in FIELDS},
                "after": None if row["new_name"] is None else {f: plain(row["new_" + f]) for f in FIELDS},
            }
            for row in result.changes
        ],
    }


def _json(result: ChangesResult, to_file: bool) -> str:
    return json_text(document(result), indent=2) + "\n"


def _html(result: ChangesResult, to_file: bool) -> str:
    import jinja2  # only this format needs it

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ecei.outputs", "templates"),
        autoescape=True,  # every value is escaped
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # every value printed is shown as a terminal shows it: controls as pictures, bidi as escapes
        finalize=lambda value: visible(value) if isinstance(value, str) else value,
    )
    env.filters["value"] = _value
    sections = [(kind, [row for row in result.changes if row["change"] == kind.name]) for kind in change_kinds.KINDS]
    return env.get_template("changes.html.j2").render(
        result=result,
        summary=_summary(result),
        sections=[(kind, rows) for kind, rows in sections if rows],
        kinds=change_kinds.SUMMARY,
        lines=account_lines,
        stamp=stamp,
    )
