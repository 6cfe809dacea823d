"""Open the warehouse file and bring its schema up to date: the numbered migrations, then the definitions.

Two kinds of schema file, applied in this order by every writable open (`connect`):

1. The numbered migrations, `migrations/NNN_*.sql`: tables, columns and data, each applied once, in
   order, each in its own transaction, recorded in `schema_migrations`. They never create a view or a
   macro and never call one (a fresh file gets those only after the last migration).
2. The definitions: `semantics/*.sql` (the business words as DuckDB macros, one word per file) and
   `views/*.sql` (the public views and table macros, one per file, each with its comment). The file
   is the definition: each is written `create or replace ...`, and is applied again whenever its
   text changes (its path and sha256 are recorded in `schema_definitions`, like Flyway's repeatable
   migrations); an unchanged file is not touched. A file deleted from the folder is not dropped: a
   numbered migration drops the object (and deletes its row of `schema_definitions`).

   Order. DuckDB binds a view's or a macro's body when it is created (a name it reads must exist
   then) and resolves the names again at each query (replacing a macro changes every view and
   macro that calls it, without re-creating them). So a file that calls another definition
   declares it in a comment line `-- requires: name, name` (names are file names without `.sql`,
   unique across both folders), and the definitions are applied in a topological order of those
   declarations, ties broken by folder (semantics before views) and then by name. Only the files
   whose text changed are applied, in that order.

   Failure. All the changed definitions are applied in one transaction with their ledger rows: a
   file that does not apply (a syntax error, a name it reads that does not exist) rolls every one
   of them back, the open raises DefinitionFailed naming the file, and the warehouse is left as
   it was (its migrations, which commit one by one, stay applied).

A read-only open (`open_when_free(..., read_only=True)`) writes nothing: a file last written by an
older version (a published copy, or a warehouse no writer has opened since the upgrade) keeps its
definitions until the next writable open. So that a read asks the same questions as a write would,
a read-only open whose file holds other definitions than these files (a digest differs, or the file
predates definitions) creates every definition as a temporary object of its own connection, in the
same order, where they shadow the file's (DuckDB resolves `temp` before `main`); the file is never
touched. Should they not apply (a definition reads a column a pending numbered migration adds), the
read sees the file's own definitions, as it would have before: the next writable open migrates it.
"""

from __future__ import annotations

import functools
import hashlib
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from importlib import resources
from pathlib import Path

import duckdb

Config = dict[str, str | bool | int | float | list[str]]  # duckdb.connect's config

_MIGRATION = re.compile(r"^(\d{3})_[\w-]+\.sql$")


_HERE = Path(__file__).parent


def sql_file(name: str) -> str:
    """The text of a .sql file shipped in the warehouse package."""
    # the package's own folder: importlib.resources' readers took longer to import than a read
    # command's query took to run (bench/read_latency.py)
    return (_HERE / name).read_text(encoding="utf-8")


def migrations() -> list[tuple[int, str]]:
    """(version, file name) of every migration, in order."""
    folder = resources.files("warehouse") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION.match(entry.name)
        if match:
            found.append((int(match[1]), entry.name))
    return sorted(found)


def _fill_version_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Migration 006's Python half: the keys of versions whose name no stored key covered."""
    # the keys are the pipeline's own: the same functions stage every row
    from pipelines.keys import country_key, name_key

    pairs = con.execute(
        "select distinct country_id, name from versions where country_key is null or name_key is null"
    ).fetchall()
    if not pairs:
        return
    con.execute(
        sql_file("version_keys_fill.sql"),
        {
            "country_ids": [p[0] for p in pairs],
            "names": [p[1] for p in pairs],
            "country_keys": [country_key(p[0]) for p in pairs],
            "name_keys": [name_key(p[1]) for p in pairs],
        },
    )


# migrations that need Python after their SQL, in the same transaction
_AFTER_SQL = {6: _fill_version_keys}


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One transaction around the block: committed when it ends, rolled back when it raises."""
    con.execute("begin transaction")
    try:
        yield con
        con.execute("commit")
    except BaseException:
        # a commit that failed (a full disk) has ended the transaction already: its error is the one to see
        with suppress(duckdb.Error):
            con.execute("rollback")
        raise


# the folders of definitions, in the order their files are applied when no `requires` says otherwise
DEFINITION_FOLDERS = ("semantics", "views")
_REQUIRES = re.compile(r"^--\s*requires:\s*(.*)$", re.MULTILINE | re.IGNORECASE)


class DefinitionFailed(Exception):
    """A definition file (warehouse/semantics or warehouse/views) did not apply; nothing was changed."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"the definition warehouse/{name} does not apply, the warehouse is left as it was: {reason}")
        self.name, self.reason = name, reason


def definitions(root: Path | None = None) -> list[tuple[str, str]]:
    """(name, text) of every definition file, in the order they are applied (see the module's docstring).

    `name` is the path under the warehouse package (`semantics/renewal.sql`); `root` is that
    package's folder, another one in tests."""
    base = root if root is not None else _HERE
    files: dict[str, tuple[int, str, str]] = {}  # object name -> (folder rank, path, text)
    for rank, folder in enumerate(DEFINITION_FOLDERS):
        for path in sorted((base / folder).glob("*.sql")):
            if path.stem in files:
                raise DefinitionFailed(f"{folder}/{path.name}", f"a second file named {path.stem}")
            files[path.stem] = (rank, f"{folder}/{path.name}", path.read_text(encoding="utf-8"))
    requires: dict[str, set[str]] = {}
    for stem, (_, name, text) in files.items():
        wanted = {w.strip() for line in _REQUIRES.findall(text) for w in line.split(",") if w.strip()}
        unknown = sorted(wanted - files.keys())
        if unknown:
            raise DefinitionFailed(name, f"it requires {', '.join(unknown)}, which no definition file defines")
        requires[stem] = wanted
    ordered: list[str] = []
    waiting = sorted(files, key=lambda s: (files[s][0], s))
    while waiting:
        ready = next((s for s in waiting if requires[s] <= set(ordered)), None)
        if ready is None:
            raise DefinitionFailed(files[waiting[0]][1], f"its requires form a cycle among {', '.join(waiting)}")
        ordered.append(ready)
        waiting.remove(ready)
    return [(files[s][1], files[s][2]) for s in ordered]


def apply_definitions(con: duckdb.DuckDBPyConnection, root: Path | None = None) -> list[str]:
    """Apply the definition files whose text changed since they were last applied, in one transaction;
    returns their names. DefinitionFailed (and nothing changed) when one does not apply."""
    con.execute(sql_file("schema_definitions.sql"))
    applied = dict(con.execute("select name, sha256 from schema_definitions").fetchall())
    pending = [
        (name, text, digest) for name, text in definitions(root) if applied.get(name) != (digest := _sha256(text))
    ]
    if not pending:
        return []
    with transaction(con):
        for name, text, digest in pending:
            try:
                con.execute(text)
            except duckdb.Error as exc:
                raise DefinitionFailed(name, _first_line(str(exc))) from exc
            con.execute(
                "insert or replace into schema_definitions values (?, ?, now() at time zone 'UTC')", [name, digest]
            )
    return [name for name, _, _ in pending]


_DEFINE = re.compile(r"^(\s*create\s+or\s+replace\s+)(macro|view)\b", re.IGNORECASE | re.MULTILINE)


@functools.cache
def _shipped() -> tuple[tuple[str, str, str], ...]:
    """(name, text, sha256) of each definition file of this version, in order, read once a process."""
    return tuple((name, text, _sha256(text)) for name, text in definitions())


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def temporary(text: str) -> str:
    """A definition file's statements, each creating a temporary object of the connection."""
    return _DEFINE.sub(lambda m: f"{m.group(1)}temp {m.group(2)}", text)


def read_definitions(con: duckdb.DuckDBPyConnection, has_definitions: bool) -> bool:
    """On a read-only connection: when the file's definitions are not this version's, create this
    version's as temporary objects (see the module's docstring); True when it did."""
    held = dict(con.execute("select name, sha256 from schema_definitions").fetchall()) if has_definitions else {}
    shipped = _shipped()
    if held == {name: digest for name, _, digest in shipped}:
        return False
    try:
        with transaction(con):
            for _, text, _ in shipped:
                con.execute(temporary(text))
    except duckdb.Error:
        return False  # rolled back: the file's own definitions stay what the read sees
    return True


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply the migrations this file lacks, each in its own transaction; returns those applied."""
    con.execute(sql_file("schema_migrations.sql"))
    done = {v for (v,) in con.execute("select version from schema_migrations").fetchall()}
    applied = []
    for version, name in migrations():
        if version in done:
            continue
        with transaction(con):
            con.execute(sql_file(f"migrations/{name}"))
            if version in _AFTER_SQL:
                _AFTER_SQL[version](con)
            con.execute("insert into schema_migrations values (?, ?, now() at time zone 'UTC')", [version, name])
        applied.append(version)
    return applied


class WarehouseUnreadable(Exception):
    """The path holds no DuckDB database this program can open (`reason` says why)."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = str(path), reason


class NotAWarehouse(Exception):
    """A DuckDB database without the ledger of our migrations: someone else's, never migrated."""

    def __init__(self, path: Path | str) -> None:
        super().__init__(f"{path}: a DuckDB database without schema_migrations")
        self.path = str(path)


class WarehouseReadOnly(Exception):
    """The warehouse file (or its folder) cannot be written."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = str(path), reason


# a DuckDB file starts with a checksum (8 bytes) and then its magic bytes
_MAGIC = b"DUCK"
_MAGIC_AT = 8


def inspect_file(path: Path | str) -> None:
    """Refuse, before DuckDB touches it, a path that exists but cannot be a DuckDB database."""
    target = Path(path)
    if not target.exists():
        return
    if target.is_dir():
        raise WarehouseUnreadable(target, "a directory")
    if not target.is_file():
        raise WarehouseUnreadable(target, "not a regular file")
    try:
        with target.open("rb") as f:
            head = f.read(_MAGIC_AT + len(_MAGIC))
    except OSError as exc:
        raise WarehouseUnreadable(target, f"cannot be read ({exc.strerror})") from exc
    if not head:
        raise WarehouseUnreadable(target, "an empty file")
    if head[_MAGIC_AT:] != _MAGIC:
        raise WarehouseUnreadable(target, "not a DuckDB database")


def _is_ours(con: duckdb.DuckDBPyConnection, read_only: bool) -> bool:
    """True for a warehouse (it has the migrations' ledger), or, to write, a database with nothing in it yet.
    A read-only open also gets this version's definitions when the file holds others (read_definitions)."""
    if read_only:  # a read needs the ledgers alone: one catalog look instead of three, on every read command
        found = con.execute(sql_file("db_ledger.sql")).fetchone()
        if not (found and found[0]):
            return False
        read_definitions(con, bool(found[1]))
        return True
    found = con.execute(sql_file("db_objects.sql")).fetchone()
    has_ledger, objects = found if found is not None else (False, 0)
    return bool(has_ledger) or objects == 0


def _open(path: Path, read_only: bool, config: Config | None = None) -> duckdb.DuckDBPyConnection:
    """duckdb.connect, with the ways a file can be wrong told apart from a busy file."""
    inspect_file(path)
    try:
        con = duckdb.connect(str(path), read_only=read_only, config=config or {})
    except duckdb.IOException as exc:
        if _is_lock_error(exc):
            raise
        text = str(exc)
        if "Permission denied" in text or "Read-only file system" in text:
            raise WarehouseReadOnly(path, "permission denied") from exc
        if ".wal" in text and "WAL" in text:
            raise WarehouseUnreadable(path, f"its write-ahead log {path}.wal does not belong to it") from exc
        raise WarehouseUnreadable(path, f"damaged or truncated: {_first_line(text)}") from exc
    except duckdb.Error as exc:
        raise WarehouseUnreadable(path, f"damaged or truncated: {_first_line(str(exc))}") from exc
    # no table is ever a Python variable of the caller (DuckDB's replacement scans): a missing view is a
    # catalog error naming it, never a module of ours that shares its name. A setting of this connection,
    # not of the database: another connection to the file in this process may open it with any config
    con.execute("set python_enable_replacements = false")
    if not _is_ours(con, read_only):
        con.close()
        raise NotAWarehouse(path)
    return con


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def connect(path: Path | str) -> duckdb.DuckDBPyConnection:
    """Open the warehouse for writing, creating and migrating it as needed; refuse a file that is
    not one (WarehouseUnreadable, NotAWarehouse) or cannot be written (WarehouseReadOnly)."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WarehouseReadOnly(target.parent, f"the folder cannot be made ({exc.strerror})") from exc
    con = _open(target, read_only=False)
    con.execute("set timezone = 'UTC'")
    try:
        migrate(con)
        apply_definitions(con)
    except BaseException:
        con.close()
        raise
    return con


class WarehouseBusy(Exception):
    """Another process holds the warehouse file for writing."""


def _is_lock_error(exc: duckdb.Error) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


def open_when_free(
    path: Path | str, busy_timeout: float, read_only: bool = False, config: Config | None = None
) -> duckdb.DuckDBPyConnection:
    """Open the file, retrying while another process holds it; WarehouseBusy after `busy_timeout` s."""
    deadline = time.monotonic() + busy_timeout
    delay = 0.05
    started = time.monotonic()
    while True:
        try:
            if read_only:
                return _open(Path(path), read_only=True, config=config)
            return connect(path)
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise
            if time.monotonic() >= deadline:
                waited = time.monotonic() - started
                raise WarehouseBusy(
                    f"the warehouse {path} is busy: another process is writing to it "
                    f"(waited {waited:.1f} s; a refresh's merge usually takes a few seconds, try again)"
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
