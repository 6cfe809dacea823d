"""The rest of the manual (the start page, the maintainer's pages), run for real on the demo
warehouse; and the rules that hold the manual together: every page is run by one test file, and the
generated command reference lists every command the CLI has."""

from __future__ import annotations

import importlib
import re
import runpy
from pathlib import Path

import pytest

from tests.docs import pages

PAGES = pages.group("index.md", "maintainer/")
GROUPS = ("test_readme", "test_analyst", "test_operator", "test_subscriber", "test_pages")


@pytest.mark.parametrize("example", pages.examples(PAGES))
def test_example_runs_on_the_demo(demo: Path, tmp_path: Path, example: pages.Example) -> None:
    pages.run(demo, tmp_path, example)


def test_every_page_is_run_by_one_test_file() -> None:
    claimed = [p for g in GROUPS for p in importlib.import_module(f"tests.docs.{g}").PAGES]
    assert sorted(claimed) == sorted(pages.every_page()), "a page is run by no test file, or by two"


def test_the_manual_has_examples_to_run() -> None:
    everything = [e.values[0] for e in pages.examples(pages.every_page())]
    runnable = [line for b in everything if isinstance(b, pages.Block) for line in b.lines if not line.live]
    assert len(runnable) >= 60
    # a command continued on the next line would be run cut short
    assert not [line.where for line in runnable if line.command.endswith("\\")]


def _commands() -> list[str]:
    """Every command `ecei --help` knows, from the registry: a group's as `group sub`."""
    from typer.core import TyperGroup

    from ecei.cli import COMMANDS

    names = []
    for name, lazy in COMMANDS.items():
        loaded = lazy.load(name)
        names += [f"{name} {sub}" for sub in loaded.commands] if isinstance(loaded, TyperGroup) else [name]
    return names


def test_the_command_reference_has_a_section_for_every_command() -> None:
    hook = runpy.run_path(str(pages.DOCS / "hooks" / "reference.py"))
    page = hook["commands_page"]()
    missing = [c for c in _commands() if f"\n## `ecei {c}`\n" not in page]
    assert not missing, f"the command reference has no section for: {missing}"
    assert "`ecei --version`" in page
    guides = hook["guides"]()
    unguided = [c for c in _commands() if c.split()[0] not in guides]
    assert not unguided, f"no page of the manual claims these in its front matter (commands:): {unguided}"


def test_the_settings_reference_names_every_setting() -> None:
    from ecei.settings import Settings

    page = runpy.run_path(str(pages.DOCS / "hooks" / "reference.py"))["settings_page"]()
    missing = [n for n in Settings.model_fields if f"`ECEI_{n.upper()}`" not in page]
    assert not missing, f"the settings reference has no row for: {missing}"


# a path of the repository, or a dotted name of its code, as a page names it in backticks
# (tests/artifacts/ holds what the tests leave behind, never committed)
PATH = re.compile(r"`((?:crawler|pipelines|warehouse|ecei|flows|tests|bench|examples|docs)/[\w./-]*)(?:::(\w+))?`")
DOTTED = re.compile(r"`((?:crawler|pipelines|warehouse|ecei|flows)(?:\.[A-Za-z_]\w*)+)(?:\(\))?`")


def _resolves(dotted: str) -> bool:
    """`ecei.moments.stamp`: a module and an attribute of it that exist."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(found, attribute):
                return False
            found = getattr(found, attribute)
        return True
    return False


def test_the_code_a_page_names_exists() -> None:
    """A file, folder, module or function a page names is there: a move of the code shows here."""
    stale = []
    for page in pages.every_page():
        text = page.read_text(encoding="utf-8")
        for path, test in PATH.findall(text):
            if "<" in path or path.startswith("tests/artifacts/"):
                continue
            found = pages.ROOT / path
            if not found.exists() or (test and f"def {test}(" not in found.read_text(encoding="utf-8")):
                stale.append(f"{pages.name(page)}: {path}{'::' + test if test else ''}")
        for dotted in DOTTED.findall(text):
            if not dotted.endswith((".duckdb", ".sqlite", ".jsonl", ".lock")) and not _resolves(dotted):
                stale.append(f"{pages.name(page)}: {dotted}")
    assert not stale, "pages name code that is not there:\n" + "\n".join(stale)
