"""A release: the current list and the full history as files anyone can take away, in one dated folder.

`OUT_DIR/<day>/` holds `clusters_current` and `cluster_history` as CSV and Parquet (written by DuckDB
from a read-only snapshot, every value as ecei.outputs.cells says), a Frictionless `datapackage.json`
describing each file (its Table Schema, size and sha256), a `CHANGES.md` since the previous release
in OUT_DIR, and `SHA256SUMS` for `sha256sum -c`.

A release is of the latest observation: the list right after the last refresh that wrote versions
(ok or partial), at that refresh's start. Its day (the folder's name, the package's version, the day
the labels are judged on) is that refresh's day in UTC, or the day given, which may not be earlier.
The package records the instant (`observed_at`), so the next release's CHANGES.md is the difference
between the two lists, as `ecei changes` computes it (ecei.history.changes).

The folder is built beside its final place (`OUT_DIR/.<day>.partial-<random>`, one per release) and
renamed into it: a reader sees a whole release or none. A release of the day already there is refused
unless replaced (--force), one that another process put there while this one was built included: two
releases of one day never replace each other unless told to.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tempfile
from contextlib import closing, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecei import change_kinds
from ecei.durable import umask
from ecei.history.changes import ChangesResult, Point, account_text, changes_between
from ecei.moments import stamp
from ecei.outcome import Refused, Status
from ecei.outputs import formats
from ecei.outputs.cells import STAMP_FORMAT, columns_as, quoted
from ecei.outputs.csv_cells import NOTE as CSV_NOTE
from ecei.outputs.files import check_folder, guard
from ecei.settings import Settings
from warehouse.db import open_when_free, sql_file, transaction
from warehouse.runs import utcnow

NAME = "ecei-bronze-label-clusters"
TITLE = "ECEI Bronze Label clusters: the current list and its full history"
SITE = "https://www.cluster-analysis.org/benchmarked-clusters"
CHANGES = "CHANGES.md"
SUMS = "SHA256SUMS"
PACKAGE = "datapackage.json"
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Table:
    """One table of a release: its file stem, the .sql that selects it, its primary key."""

    stem: str
    query: str
    key: tuple[str, ...]
    description: str


TABLES: tuple[Table, ...] = (
    Table(
        "clusters_current",
        "release/current.sql",
        ("cluster_id",),
        "The list as it stood at the release's observation, one row per cluster; labels judged on the release's day.",
    ),
    Table(
        "cluster_history",
        "release/history.sql",
        ("cluster_id", "valid_from"),
        "Every version of every cluster ever listed (valid_to empty: the current version).",
    ),
)
# the file formats of a release (ecei.outputs.formats: their suffixes, media types and COPY options)
FORMATS = formats.RELEASE

# DuckDB's column types as Table Schema types (https://specs.frictionlessdata.io/table-schema/#types)
_FIELD_TYPES: dict[str, str] = {
    "VARCHAR": "string",
    "DATE": "date",
    "TIMESTAMP": "datetime",
    "TIMESTAMP WITH TIME ZONE": "datetime",
    "BOOLEAN": "boolean",
    "BIGINT": "integer",
    "INTEGER": "integer",
    "HUGEINT": "integer",
    "DOUBLE": "number",
}


class ReleaseExists(Refused):
    """The day's release is already in OUT_DIR: refused unless it is to be replaced (exit 2)."""


@dataclass(frozen=True)
class Released:
    """One file of the release."""

    name: str
    rows: int | None  # None: not a table
    size: int
    sha256: str


@dataclass(frozen=True)
class Previous:
    """The release this one follows: its day and the instant its list stood at."""

    day: str
    at: dt.datetime  # naive UTC


@dataclass
class ReleaseResult:
    status: Status
    folder: Path
    day: dt.date
    observed_at: dt.datetime  # naive UTC: the start of the refresh whose list is released
    run_id: int
    previous: Previous | None
    files: list[Released] = field(default_factory=list)
    changes: ChangesResult | None = None  # None: the first release
    replaced: bool = False


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def previous_release(out_dir: Path, day: dt.date) -> Previous | None:
    """The latest release in `out_dir` dated before `day` (a YYYY-MM-DD folder holding a package)."""
    days = (
        sorted(
            (p.name for p in out_dir.iterdir() if p.is_dir() and _DAY.fullmatch(p.name) and p.name < day.isoformat()),
            reverse=True,
        )
        if out_dir.is_dir()
        else []
    )
    for name in days:
        package = out_dir / name / PACKAGE
        if not package.is_file():
            continue  # not a release: a folder someone else keeps there
        try:
            at = dt.datetime.fromisoformat(json.loads(package.read_text(encoding="utf-8"))["observed_at"])
        except (ValueError, KeyError, TypeError) as exc:
            raise Refused(
                f"{package} does not say when its list stood ({type(exc).__name__}: {exc}): "
                "it is no ecei release; move it aside to release again"
            ) from None
        return Previous(name, at.astimezone(dt.UTC).replace(tzinfo=None) if at.tzinfo else at)
    return None


def _field_type(duckdb_type: str) -> str:
    if duckdb_type.startswith(("STRUCT(", "MAP(")):
        return "object"  # JSON in a CSV cell (ecei.outputs.cells)
    return _FIELD_TYPES.get(duckdb_type, "array" if duckdb_type.endswith("]") else "string")


def _schema(described: list[tuple[Any, ...]], table: Table) -> dict[str, Any]:
    """The Table Schema of a table's files, from DESCRIBE's rows."""
    fields: list[dict[str, Any]] = []
    for name, kind, *_ in described:
        entry: dict[str, Any] = {"name": name, "type": _field_type(kind)}
        if entry["type"] == "datetime":
            entry["format"] = STAMP_FORMAT  # as ecei.moments.stamp writes it: UTC to the second
        if name in table.key:
            entry["constraints"] = {"required": True}
        fields.append(entry)
    return {"fields": fields, "primaryKey": list(table.key), "missingValues": [""]}


def _write_tables(con: Any, folder: Path, at: dt.datetime, day: dt.date) -> tuple[list[Released], list[dict[str, Any]]]:
    """Each table in each format (in the caller's transaction: one snapshot); the files and their resources."""
    files, resources = [], []
    given = {"at": at, "today": day}
    for table in TABLES:
        query = sql_file(table.query)
        params = {k: v for k, v in given.items() if f"${k}" in query}  # DuckDB refuses one unused
        described = con.execute(f"describe {query}", params).fetchall()
        (rows,) = con.execute(f"select count(*) from ({query})", params).fetchone()
        schema = _schema(described, table)
        order = ", ".join(quoted(k) for k in table.key)  # a stable order: the same data, the same bytes
        for fmt in formats.pick(FORMATS):
            path = folder / f"{table.stem}{fmt.suffix}"
            select = f"select {columns_as(described, fmt.cells)} from ({query}) order by {order}"
            con.execute(f"copy ({select}) to $path ({fmt.copy})", {**params, "path": str(path)})
            digest, size = sha256_of(path), path.stat().st_size
            files.append(Released(path.name, rows, size, digest))
            resource: dict[str, Any] = {
                "name": f"{table.stem}-{fmt.name}",
                "title": f"{table.stem} ({fmt.name.upper()})",
                # the CSV's text cells are made safe for a spreadsheet (ecei.outputs.csv_cells): its readers are told
                "description": f"{table.description} {CSV_NOTE}" if fmt.delimited else table.description,
                "path": path.name,
                "type": "table",
                "profile": "tabular-data-resource",
                "format": fmt.name,
                "mediatype": fmt.media_type,
                "encoding": "utf-8",
                "bytes": size,
                "hash": f"sha256:{digest}",
                "schema": schema,
            }
            resources.append(resource)
    return files, resources


def _package(
    day: dt.date, at: dt.datetime, run_id: int, start_url: str, resources: list[dict[str, Any]], rows: int
) -> dict[str, Any]:
    return {
        "name": NAME,
        "title": TITLE,
        "description": f"The ECEI Bronze Label list as observed by refresh {run_id} at {stamp(at)} "
        f"({rows} clusters listed), and every version of every cluster it has ever listed.",
        "version": day.isoformat(),
        "created": stamp(utcnow()),
        "observed_at": stamp(at),  # the instant the next release's CHANGES.md counts from
        "observed_run": run_id,
        "homepage": SITE,
        "sources": [
            {"title": "ECEI Bronze Label database (European Secretariat for Cluster Analysis)", "path": start_url}
        ],
        "keywords": ["clusters", "ECEI", "Bronze Label", "history"],
        "resources": resources,
    }


# the characters with a meaning anywhere in CommonMark text (a ( or ) means nothing without a [ ] before it)
_MARKDOWN = re.compile(r"([\\`*_{}\[\]!|<>~&])")
# and those that mean something at a line's start, where a value may stand (after "- ")
_LINE_START = re.compile(r"^([#+\-=]|\d+(?=[.)]))")


def md(value: Any) -> str:
    """A value from the warehouse as Markdown text: every Markdown mark escaped, so a name is never
    a link, emphasis, a heading, a list or HTML; controls and line breaks as \\uNNNN, so it stays on
    its line. A day or a number is written as it is."""
    if value is None:
        return "none"
    if isinstance(value, dt.datetime):
        return stamp(value) or ""
    if not isinstance(value, str):
        return str(value)
    text = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in value)
    text = _MARKDOWN.sub(r"\\\1", text)
    if match := _LINE_START.match(text):
        mark = match.group(1)
        # "1. x" escapes its dot, "- x" its dash
        return mark + "\\" + text[len(mark) :] if mark[0].isdigit() else "\\" + text
    return text


def _what(row: dict[str, Any]) -> str:
    """What happened to one cluster, in Markdown."""
    return account_text(row["account"], md, field=lambda name: f"`{name}`", arrow="→")


def changes_text(
    day: dt.date,
    run_id: int,
    at: dt.datetime,
    tables: dict[str, int],
    result: ChangesResult | None,
    previous: Previous | None,
) -> str:
    """CHANGES.md: what changed since the previous release, a cluster a line, by kind."""
    import jinja2  # only a release needs it here

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ecei.outputs", "templates"),
        autoescape=False,  # Markdown, not HTML: every value goes through md
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md
    sections = []
    if result is not None:
        for kind in change_kinds.KINDS:
            rows = [r for r in result.changes if r["change"] == kind.name]
            if rows:
                sections.append((kind, [(r, _what(r)) for r in rows]))
    return env.get_template("CHANGES.md.j2").render(
        day=day.isoformat(),
        run_id=run_id,
        at=stamp(at),
        listed=tables["clusters_current"],
        versions=tables["cluster_history"],
        previous=previous,
        previous_at=stamp(previous.at) if previous else None,
        counts=result.counts() if result is not None else None,
        changed=len(result.changes) if result is not None else 0,
        kinds=change_kinds.KINDS,
        renewed=change_kinds.RENEWED,
        sections=sections,
    )


def _observed(con: Any) -> tuple[int, dt.datetime, str]:
    found = con.execute(sql_file("report/observed_run.sql"), {"at": utcnow()}).fetchone()
    if found is None:
        raise Refused("the warehouse holds no refresh that listed clusters (ok or partial): nothing to release yet")
    run_id, started_at, _ = found
    (start_url,) = con.execute("select start_url from crawl_runs where run_id = ?", [run_id]).fetchone()
    return run_id, started_at, start_url


def release(settings: Settings, out_dir: Path, today: dt.date | None = None, replace: bool = False) -> ReleaseResult:
    """Write the release of the latest observation into `out_dir/<day>/` (see the module)."""
    check_folder(out_dir, guard(settings.db), "OUT_DIR")
    with closing(open_when_free(settings.db, settings.busy_timeout, read_only=True)) as con:
        con.execute("set timezone = 'UTC'")
        run_id, at, start_url = _observed(con)
        day = today or at.date()
        if day < at.date():
            raise Refused(
                f"--today {day} is before the release's observation ({stamp(at)}, refresh {run_id}): "
                "a release cannot be dated before what it holds"
            )
        final = out_dir / day.isoformat()
        if final.is_symlink() or (final.exists() and not final.is_dir()):
            raise Refused(f"{final} is not a release folder (a link or a file): it was left as it is; move it aside")
        if final.exists() and not replace:
            raise ReleaseExists(f"{final} exists already: pass --force to replace it (nothing was written)")
        previous = previous_release(out_dir, day)
        # a folder of its own: two releases at once never build in one
        building = Path(tempfile.mkdtemp(prefix=f".{day.isoformat()}.partial-", dir=out_dir))
        os.chmod(building, 0o777 & ~umask())  # mkdtemp's folder is the owner's alone; a release is for readers
        try:
            result = None
            with transaction(con):  # one snapshot: the files and the changes agree with each other
                files, resources = _write_tables(con, building, at, day)
                if previous is not None:
                    since, until = Point(previous.day, previous.at), Point(day.isoformat(), at)
                    result = ChangesResult(Status.OK, since, until, None, None, changes_between(con, since, until))
            tables = {f.name.split(".")[0]: f.rows or 0 for f in files}
            package = _package(day, at, run_id, start_url, resources, tables["clusters_current"])
            (building / PACKAGE).write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            (building / CHANGES).write_text(changes_text(day, run_id, at, tables, result, previous), encoding="utf-8")
            for name in (PACKAGE, CHANGES):
                path = building / name
                files.append(Released(name, None, path.stat().st_size, sha256_of(path)))
            sums = "".join(f"{f.sha256}  {f.name}\n" for f in sorted(files, key=lambda f: f.name))
            (building / SUMS).write_text(sums, encoding="ascii")
            files.append(Released(SUMS, None, (building / SUMS).stat().st_size, sha256_of(building / SUMS)))
            replaced = _move_into_place(building, final, replace)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
    return ReleaseResult(Status.OK, final, day, at, run_id, previous, files, result, replaced)


def _move_into_place(building: Path, final: Path, replace: bool) -> bool:
    """Rename the built folder to its place. Without `replace` a release already there (one written
    meanwhile by another process included) stays and this one is refused; with it, the old one is
    set aside first and removed after, so its place never holds half of either. True when one was replaced."""
    old = None
    if replace and final.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{final.name}.replaced-", dir=final.parent))
        os.replace(final, old)  # onto the empty folder just made: a name of our own
    try:
        os.rename(building, final)  # fails on a release that is there (a folder with files in it)
    except OSError as exc:
        if old is not None:
            with suppress(OSError):
                os.rename(old, final)
        if old is not None and old.exists():
            shutil.rmtree(old, ignore_errors=True)  # another release of the day took the place meanwhile
        raise ReleaseExists(
            f"{final} was written by another release while this one was built ({exc.strerror}): "
            "this one was not written; pass --force to replace it"
        ) from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return old is not None
