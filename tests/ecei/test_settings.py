"""The settings: read from ECEI_* variables, validated, secrets kept secret."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ecei.settings import Settings


def test_notify_splits_on_commas_and_whitespace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECEI_NOTIFY", "json://127.0.0.1:1/a, mailto://u:secret@x.example\n json://127.0.0.1:1/b")
    urls = [u.get_secret_value() for u in Settings().notify]
    assert urls == ["json://127.0.0.1:1/a", "mailto://u:secret@x.example", "json://127.0.0.1:1/b"]


def test_notify_never_shows_in_the_settings_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECEI_NOTIFY", "mailto://u:hunter2@x.example")
    settings = Settings()
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in settings.model_dump_json()


def test_the_environment_overrides_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECEI_DB", "/tmp/elsewhere.duckdb")
    monkeypatch.setenv("ECEI_LOCK_WAIT", "2.5")
    settings = Settings()
    assert str(settings.db) == "/tmp/elsewhere.duckdb"
    assert settings.lock_wait == 2.5


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ECEI_CONCURRENT_REQUESTS", "3"),
        ("ECEI_RETRY_TIMES", "-1"),
        ("ECEI_STALE_DAYS", "99999999999"),  # was a traceback from DuckDB's INTEGER in `ecei status`
        ("ECEI_CRAWL_TIMEOUT", "1e300"),  # was a refresh failed on "timestamp out of range"
    ],
)
def test_values_out_of_bounds_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()
