"""The one writer of every output a command names (`-o`, `--out`, OUT_DIR): an output never replaces
an input, and a reader never sees half of one.

`output_file(target, guard, option)` checks the target before anything is written and yields a
temporary file beside it (same folder, so the rename is atomic) for the caller to fill, by Python or
by DuckDB's COPY; when the block ends the file is synced, checked again and renamed over the target,
and the folder synced. A target is refused (ecei.outcome.Refused, one line, exit 2) when it is:

- the warehouse (compared by identity, st_dev and st_ino, so a symlink or a hard link to it counts),
  its published copy, or any file beside it (`<warehouse>.` anything: locks, the delivery store and
  its -wal/-shm, replay files), or another input of the command (`-f FILE`);
- a database of any program (DuckDB's or SQLite's magic bytes): an output is never a database;
- a symbolic link (`/dev/stdout` is one: `-` is standard output), a FIFO, a device or a socket
  (the rename would replace the link or the node itself, not write through it), or a folder.

Two processes writing one output at once each fill a file of their own and rename it: the output
is one of them, whole; neither fails.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO, Literal, TextIO, overload

from ecei.beside import live_of, published_path
from ecei.durable import sync_folder, umask
from ecei.outcome import Refused

STDOUT = "-"
# the first bytes of the databases an output must never replace: DuckDB's magic sits after its checksum
_DUCKDB_MAGIC, _DUCKDB_AT = b"DUCK", 8
_SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True)
class Guard:
    """What an output must never replace: a warehouse (the live file or its published copy, either
    may be given) with everything beside it, and the command's other inputs."""

    db: Path | None = None
    inputs: tuple[Path, ...] = ()

    def warehouses(self) -> list[Path]:
        """The live file and its published copy, real paths, whichever of them `db` names."""
        if self.db is None:
            return []
        live = live_of(self.db) or Path(self.db).resolve()
        return [live, published_path(live)]


def guard(db: Path | str | None, *inputs: Path | str | None) -> Guard:
    """The Guard of a command reading warehouse `db` (live file or copy) and the files `inputs`."""
    return Guard(None if db is None else Path(db), tuple(Path(i) for i in inputs if i is not None))


def _same(a: os.stat_result, b: Path) -> bool:
    try:
        other = b.stat()
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (other.st_dev, other.st_ino)


def _is_database(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(len(_SQLITE_MAGIC))
    except OSError:
        return False
    return head.startswith(_SQLITE_MAGIC) or head[_DUCKDB_AT : _DUCKDB_AT + len(_DUCKDB_MAGIC)] == _DUCKDB_MAGIC


def _kind(mode: int) -> str | None:
    """What a file that is no regular file is, in words (None: a regular file)."""
    for test, words in (
        (stat.S_ISLNK, "a symbolic link (the rename would replace the link, not write through it)"),
        (stat.S_ISDIR, "a folder: name a file"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return words
    return None


def check_output(target: Path, guard: Guard, option: str) -> None:
    """Refused (one line naming `option` and `target`) when `target` may not be written (see the module)."""
    where = f"{option} {target}"
    live_copy = guard.warehouses()
    real = target.parent.resolve() / target.name
    for protected in live_copy:
        # by name: the warehouse, its copy and every file beside either (locks, delivery store, ...)
        if real.parent != protected.parent:
            continue
        if real.name == protected.name:
            what = "the warehouse" if protected == live_copy[0] else "the published copy of the warehouse"
            raise Refused(f"{where} is {what} ({protected}): an output never replaces it")
        if real.name.startswith(protected.name + "."):
            raise Refused(
                f"{where} is a file beside the warehouse {protected} (its locks, delivery store or replay "
                "files are named so): an output never replaces it"
            )
    try:
        found = target.lstat()
    except FileNotFoundError:
        return
    if (kind := _kind(found.st_mode)) is not None:
        hint = " (for standard output, write -)" if stat.S_ISLNK(found.st_mode) or stat.S_ISCHR(found.st_mode) else ""
        raise Refused(f"{where} is {kind}: an output is written to a regular file only{hint}")
    for protected in live_copy:
        if _same(found, protected):
            raise Refused(f"{where} is the warehouse {protected} under another name: an output never replaces it")
    for given in guard.inputs:
        if _same(found, given):
            raise Refused(f"{where} is the input {given}: an output never replaces an input")
    if _is_database(target):
        raise Refused(f"{where} is a database: an output never replaces one (name another file)")


def check_folder(folder: Path, guard: Guard, option: str, make: bool = True) -> Path:
    """The folder an output goes into, made when `make`; Refused when it is a file, or missing and
    not to be made."""
    try:
        found = folder.stat()  # a folder through a symlink is a folder: the files in it are checked
    except FileNotFoundError:
        if not make:
            raise Refused(f"{option} {folder}: there is no such folder") from None
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise Refused(f"{option} {folder}: the folder cannot be made ({exc.strerror})") from None
        return folder
    if not stat.S_ISDIR(found.st_mode):
        check_output(folder, guard, option)  # names the warehouse or the kind of file it is
        raise Refused(f"{option} {folder} is a file: name a folder")
    return folder


@contextmanager
def output_file(
    target: Path | str, guard: Guard, option: str, make_folder: bool = False, mode: int = 0o666
) -> Iterator[Path]:
    """Check `target` and yield an empty temporary file beside it to fill; when the block ends
    without an error, sync it and rename it over `target` (checked again first). On an error the
    temporary file is removed and `target` is as it was."""
    target = Path(target)
    check_folder(target.parent, guard, option, make=make_folder)
    check_output(target, guard, option)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        with partial.open("rb") as written:
            os.fsync(written.fileno())
        os.chmod(partial, mode & ~umask())
        check_output(target, guard, option)  # what may have appeared there meanwhile (a link, a FIFO)
        os.replace(partial, target)
    except BaseException:
        with suppress(OSError):
            partial.unlink()
        raise
    sync_folder(target.parent)


@overload
def output_stream(
    target: Path | str, guard: Guard, option: str, binary: Literal[False] = False, make_folder: bool = False
) -> AbstractContextManager[TextIO]: ...
@overload
def output_stream(
    target: Path | str, guard: Guard, option: str, binary: Literal[True], make_folder: bool = False
) -> AbstractContextManager[BinaryIO]: ...
@overload
def output_stream(
    target: Path | str, guard: Guard, option: str, binary: bool, make_folder: bool = False
) -> AbstractContextManager[IO[Any]]: ...


@contextmanager
def output_stream(
    target: Path | str, guard: Guard, option: str, binary: bool = False, make_folder: bool = False
) -> Iterator[Any]:  # the overloads above say which stream: text, or bytes when `binary`
    """A stream to write the output to: standard output for `-`, else a file of output_file."""
    if str(target) == STDOUT:
        yield sys.stdout.buffer if binary else sys.stdout
        return
    with output_file(target, guard, option, make_folder) as partial:
        if binary:
            with partial.open("wb") as stream:
                yield stream
        else:
            with partial.open("w", encoding="utf-8", newline="") as text:
                yield text


def write_output(target: Path | str, data: str | bytes, guard: Guard, option: str, make_folder: bool = False) -> None:
    """`data` whole in `target` (standard output for `-`), or nothing written."""
    with output_stream(target, guard, option, binary=isinstance(data, bytes), make_folder=make_folder) as stream:
        stream.write(data)
