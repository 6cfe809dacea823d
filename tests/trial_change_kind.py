"""A change kind is three files: this adds a trial kind to a copy of the project in exactly those
files and runs the tests that hold every surface to the kinds, unchanged (issue 21).

    .venv/bin/python tests/trial_change_kind.py [pytest arguments]

The copy is the project's tracked files (with their uncommitted edits) in a temporary folder; the
trial kind `trial` takes, of the clusters that changed without a rename, those whose cluster id
hashes even (a rule only a trial would want, but one the demo's runs meet). Without pytest
arguments it runs DEFAULT_TESTS; the exit code is pytest's. Not collected by pytest: it copies the
project and runs minutes of tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# the three files a change kind touches, and the edit each gets: (old text, new text)
EDITS: dict[str, list[tuple[str, str]]] = {
    "ecei/change_kinds.py": [
        (
            "KINDS: tuple[ChangeKind, ...] = (ADDED, CHANGED, REMOVED, RENAMED)",
            'TRIAL = ChangeKind("trial", "trial", "Trial")\n'
            "KINDS: tuple[ChangeKind, ...] = (ADDED, CHANGED, REMOVED, RENAMED, TRIAL)",
        ),
        (
            "SUMMARY: tuple[ChangeKind, ...] = (ADDED, CHANGED, RENEWED, REMOVED, RENAMED)",
            "SUMMARY: tuple[ChangeKind, ...] = (ADDED, CHANGED, RENEWED, REMOVED, RENAMED, TRIAL)",
        ),
    ],
    "warehouse/semantics/what_happened.sql": [
        (
            "        else 'changed'\n",
            "        when hash(after_id) % 2 = 0 then 'trial'\n        else 'changed'\n",
        ),
    ],
    "warehouse/semantics/run_figures.sql": [
        (
            "    run_change_count(counts, 'renamed') as renamed,\n",
            "    run_change_count(counts, 'renamed') as renamed,\n    run_change_count(counts, 'trial') as trial,\n",
        ),
    ],
}

# the tests that hold the surfaces to the kinds: none names a kind it does not read from change_kinds
DEFAULT_TESTS = [
    "tests/ecei/test_change_kinds.py",
    "tests/test_consistency.py",
    "tests/test_run_figures_everywhere.py",
]


SHOW_DEMO = """
import sys
from pathlib import Path
from ecei import change_kinds
from ecei.demo.warehouse import build
from warehouse.query import run_query
print("kinds:", change_kinds.names(), "from", change_kinds.__file__)
db = build(Path(sys.argv[1]) / "demo" / "ecei.duckdb").db
_, rows = run_query(db, "select run_id, " + ", ".join(change_kinds.names()) + " from crawl_runs", 5)
print("the demo's runs (run, " + ", ".join(change_kinds.names()) + "):", rows)
"""


def copy_project(target: Path) -> None:
    """The tracked files as they stand in the work tree (uncommitted edits included)."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def add_trial_kind(target: Path) -> None:
    for name, edits in EDITS.items():
        path = target / name
        text = path.read_text(encoding="utf-8")
        for old, new in edits:
            if text.count(old) != 1:
                raise SystemExit(f"{name}: the text to edit is not there once: {old!r}")
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")


def main(args: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="ecei-trial-kind-") as folder:
        target = Path(folder)
        copy_project(target)
        add_trial_kind(target)
        # the copy's packages come first, for this process's tests and the `ecei` processes they start
        env = {**os.environ, "PYTHONPATH": str(target)}
        # the copy is the one read, and the demo's runs have changes of the trial kind
        subprocess.run([sys.executable, "-c", SHOW_DEMO, folder], cwd=target, env=env, check=True)
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0", *(args or DEFAULT_TESTS)]
        print(f"trial kind added to {', '.join(EDITS)}; running {' '.join(command[3:])}", flush=True)
        return subprocess.run(command, cwd=target, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
