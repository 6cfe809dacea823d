#!/usr/bin/env python3
"""Everything a newcomer needs, with only python3 on the machine.

    python3 tasks.py demo    set up .venv from the lock file, build the demo warehouse ./ecei.duckdb
    python3 tasks.py test    set up .venv from the lock file, run ruff and mypy, build the manual (docs/) in strict
                             mode, then the whole test suite (one worker per core)
    python3 tasks.py lock    re-resolve requirements.lock from pyproject.toml (maintainers only)

The virtual environment is rebuilt only when requirements.lock or pyproject.toml change.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
LOCK = ROOT / "requirements.lock"
UV = "uv==0.13.9"  # the installer; it resolves nothing at install time, it only syncs the lock
STAMP = VENV / ".ecei-lock-sha256"


def _run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    subprocess.run([str(a) for a in args], check=True, cwd=ROOT, env=env)


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for path in (LOCK, ROOT / "pyproject.toml"):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def bootstrap() -> None:
    """Create .venv and install exactly the locked versions, then this project (editable)."""
    if STAMP.exists() and STAMP.read_text() == _fingerprint() and (BIN / "ecei").exists():
        return
    if not (BIN / "python").exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    env = {**os.environ, "VIRTUAL_ENV": str(VENV)}
    print("installing the locked dependencies ...", flush=True)
    _run(BIN / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", UV)
    _run(BIN / "uv", "pip", "sync", "--quiet", "--compile-bytecode", LOCK, env=env)
    _run(BIN / "uv", "pip", "install", "--quiet", "--no-deps", "-e", ".", env=env)
    STAMP.write_text(_fingerprint())


def demo() -> int:
    bootstrap()
    db = ROOT / "ecei.duckdb"
    # the bundled snapshots at their own dates; a file holding crawls of a real site is refused (exit 2)
    code = subprocess.run([str(BIN / "ecei"), "demo", "build", "--db", str(db)], cwd=ROOT).returncode
    if code != 0:
        return code
    print(f"\nThe demo warehouse is {db}. Query it with .venv/bin/ecei sql, for example:")
    return subprocess.run(
        [
            str(BIN / "ecei"),
            "sql",
            "--db",
            str(db),
            "select country, count(*) as clusters, max(valid_until) as latest_label "
            "from clusters_current group by all order by 1",
        ],
        cwd=ROOT,
    ).returncode


def test(extra: list[str]) -> int:
    bootstrap()
    code = subprocess.run([str(BIN / "ruff"), "check", "."], cwd=ROOT).returncode
    if code != 0:
        return code
    code = subprocess.run([str(BIN / "mypy")], cwd=ROOT).returncode  # strict, as [tool.mypy] in pyproject.toml says
    if code != 0:
        return code
    code = docs()
    if code != 0:
        return code
    # one worker per core; a test file stays on one worker, so its module fixtures are built once
    parallel = [] if any(a.startswith("-n") for a in extra) else ["-n", "auto", "--dist", "loadfile"]
    return subprocess.run([str(BIN / "python"), "-m", "pytest", *parallel, *extra], cwd=ROOT).returncode


def docs() -> int:
    """Build the manual with warnings as errors (a broken link or anchor fails), into a folder thrown away."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # Material's notice about its successor, on every build
    with tempfile.TemporaryDirectory(prefix="ecei-site-") as site:
        build = [str(BIN / "mkdocs"), "build", "--strict", "--site-dir", site]
        return subprocess.run(build, cwd=ROOT, env=env).returncode


def lock() -> int:
    bootstrap()
    env = {**os.environ, "VIRTUAL_ENV": str(VENV)}
    return subprocess.run(
        [
            str(BIN / "uv"),
            "pip",
            "compile",
            "pyproject.toml",
            "--extra",
            "dev",
            "--universal",
            "--python-version",
            "3.11",
            "--quiet",
            "-o",
            LOCK.name,  # relative, so the header of the lock names no local path
        ],
        cwd=ROOT,
        env=env,
    ).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test", "lock"):
        print(__doc__)
        return 2
    if argv[0] == "demo":
        return demo()
    if argv[0] == "test":
        return test(argv[1:])
    return lock()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
