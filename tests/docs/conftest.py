"""The demo warehouse every example of the README and of the manual runs against."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docs.pages import demo_warehouse


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo warehouse, built once per worker by `ecei demo build`; tests copy it or only read it."""
    return demo_warehouse(tmp_path_factory.mktemp("docs-demo"))
