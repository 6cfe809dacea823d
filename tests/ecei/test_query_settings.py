"""The settings a query reads without pydantic are the settings class's own, and give way to it."""

from __future__ import annotations

import os
from dataclasses import fields
from pathlib import Path

import pytest

from ecei.query_settings import QuerySettings, query_settings
from ecei.settings import Settings


@pytest.fixture(autouse=True)
def no_ecei_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.upper().startswith("ECEI_")]:
        monkeypatch.delenv(name)


def as_settings_read_them(db: Path | None = None) -> QuerySettings:
    """Every field of QuerySettings as Settings has it (a list as a tuple: the light one is frozen)."""
    full = Settings() if db is None else Settings(db=db)
    values = {f.name: getattr(full, f.name) for f in fields(QuerySettings)}
    return QuerySettings(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})


def test_the_defaults_are_the_settings_defaults() -> None:
    assert query_settings() == as_settings_read_them()
    assert query_settings(Path("/srv/x.duckdb")) == as_settings_read_them(Path("/srv/x.duckdb"))


@pytest.mark.parametrize("name", ["ECEI_DB", "ecei_db"])
def test_the_warehouse_from_the_environment(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(name, "/srv/ecei/ecei.duckdb")
    assert query_settings() == as_settings_read_them()
    assert query_settings().db == Path("/srv/ecei/ecei.duckdb")  # type: ignore[union-attr]
    # --db wins over ECEI_DB, as it does for Settings
    assert query_settings(Path("other.duckdb")) == as_settings_read_them(Path("other.duckdb"))


@pytest.mark.parametrize(
    ("name", "value"),
    [("ECEI_SQL_TIMEOUT", "5"), ("ecei_busy_timeout", "abc"), ("ECEI_NOTIFY", "json://x"), ("ECEI_DB", " ")],
)
def test_any_other_variable_is_for_the_settings_class_to_read(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    assert query_settings() is None
