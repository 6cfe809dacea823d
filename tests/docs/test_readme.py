"""The README's examples, run for real on the demo warehouse (tests/docs/pages.py says how), and its
links into the manual."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.docs import pages

PAGES = pages.group("README.md")
TEXT = pages.README.read_text(encoding="utf-8")


@pytest.mark.parametrize("example", pages.examples(PAGES))
def test_example_runs_on_the_demo(demo: Path, tmp_path: Path, example: pages.Example) -> None:
    pages.run(demo, tmp_path, example)


def test_the_readme_stays_short_and_tours_the_demo() -> None:
    assert len(TEXT.splitlines()) <= 250
    runnable = [line for block in pages.sh_blocks(pages.README) for line in block.lines if not line.live]
    assert len(runnable) >= 12


def test_the_readme_links_to_files_that_exist() -> None:
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", TEXT)
    relative = [link for link in links if "://" not in link]
    assert relative, "the README links into the manual"
    missing = [link for link in relative if not (pages.ROOT / link).exists()]
    assert not missing, f"the README links to files that do not exist: {missing}"


def test_the_readme_links_every_page_of_the_manual() -> None:
    linked = set(re.findall(r"\]\((docs/[^)#]+\.md)", TEXT))
    unlinked = [
        p
        for p in pages.every_page()
        if p != pages.README and not pages.name(p).startswith(("reference/", "index.md"))
        if f"docs/{pages.name(p)}" not in linked
    ]
    assert not unlinked, f"README.md's 'Where to go next' names no link to {unlinked}"
