"""The files beside a warehouse, each named from the warehouse's real path (symlinks resolved), so
that every name of one warehouse finds the same ones: the published copy readers open, the lock
files, the delivery store. Read commands import this module alone of them: it imports nothing heavy."""

from __future__ import annotations

from pathlib import Path


def beside(db: Path, suffix: str) -> Path:
    """The file `<db><suffix>` beside the warehouse's real file, whatever path names the warehouse."""
    real = Path(db).resolve()
    return real.with_name(real.name + suffix)


def published_path(db: Path | str) -> Path:
    """Where the copy of `db` is published: `<stem>.published<suffix>` beside the warehouse's real
    file, whatever path names it (a symlink, a relative path): `ecei.published.duckdb` for
    `ecei.duckdb`, `w.published` for `w`. The file's own suffix is kept (none stays none), so two
    warehouses (`w` and `w.duckdb`) never share a copy: the name maps back to one file (live_of)."""
    real = Path(db).resolve()
    return real.with_name(f"{real.stem}.published{real.suffix}")


def live_of(path: Path | str) -> Path | None:
    """The live warehouse whose published copy `path` names (symlinks resolved), when that warehouse
    exists beside it; None for any other file. Writers refuse a copy (ecei.locks), outputs never
    replace one (ecei.outputs.files)."""
    real = Path(path).resolve()
    name = real.name
    candidates = []
    if name.endswith(".published"):  # the copy of a file without a suffix
        candidates.append(name[: -len(".published")])
    stem, dot, suffix = name.rpartition(".")
    if dot and stem.endswith(".published"):
        candidates.append(f"{stem[: -len('.published')]}.{suffix}")
    for candidate in candidates:
        live = real.with_name(candidate)
        if candidate and live.is_file() and published_path(live) == real:
            return live
    return None
