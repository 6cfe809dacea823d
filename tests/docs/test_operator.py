"""The examples of the operator's pages (docs/operator/), run for real on the demo warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docs import pages

PAGES = pages.group("operator/")


@pytest.mark.parametrize("example", pages.examples(PAGES))
def test_example_runs_on_the_demo(demo: Path, tmp_path: Path, example: pages.Example) -> None:
    pages.run(demo, tmp_path, example)
