"""Shared fixtures: the bundled mirror served on loopback, a real DuckDB file, fast crawl settings."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from scrapy.http import HtmlResponse

from ecei.demo.mirror import Fault, Mirror, demo_site, serve
from ecei.refresh.run import refresh
from ecei.settings import Settings

pytest_plugins = ["tests.receivers"]  # the webhook and SMTP receivers for alert tests

COUNTRY_PATH = "/benchmarked-clusters/?country="
NORWAY = "9e0e2d07-b7a9-47ae-a816-cf7692205403"
ITALY = "9e12d7ea56424278935b25692c9c6de9"
POLAND = "a36e53af-4be9-4791-bc22-5a32a7982347"


def expected_rows(snapshot: str) -> list[dict[str, Any]]:
    """The mirror's own oracle: every table row of a snapshot as the page shows it."""
    return json.loads((demo_site(snapshot) / "expected.json").read_text())


def file_response(path: Path, url: str) -> HtmlResponse:
    """A stored page turned back into the response Scrapy would have given the spider."""
    return HtmlResponse(url=url, body=path.read_bytes(), encoding="utf-8")


@pytest.fixture
def site_copy(tmp_path: Path) -> Callable[[str], Path]:
    """A writable copy of a demo snapshot, for tests that alter pages on disk."""

    def make(snapshot: str) -> Path:
        target = tmp_path / f"site-{snapshot}"
        if not target.exists():
            shutil.copytree(demo_site(snapshot), target)
        return target

    return make


@pytest.fixture
def mirror() -> Iterator[Mirror]:
    """The 2016-06 snapshot on an ephemeral loopback port; `mirror.switch(demo_site(...))` moves on."""
    with serve(demo_site("2016-06")) as m:
        yield m


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "warehouse" / "ecei.duckdb"


@pytest.fixture
def settings(mirror: Mirror, db_path: Path) -> Settings:
    return Settings(
        start_url=mirror.start_url,
        db=db_path,
        polite=False,
        retry_times=1,
        download_timeout=5,
        crawl_timeout=120,
    )


def query(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def fault_for(country_id: str, **kwargs: Any) -> dict[str, Fault]:
    return {COUNTRY_PATH + country_id: Fault(**kwargs)}


@pytest.fixture(scope="session")
def history_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse holding the three demo snapshots, crawled once per session; tests only read it."""
    db = tmp_path_factory.mktemp("history") / "ecei.duckdb"
    with serve(demo_site("2016-06")) as m:
        for snapshot in ("2016-06", "2018-10", "2021-09"):
            m.switch(demo_site(snapshot))
            settings = Settings(start_url=m.start_url, db=db, polite=False, retry_times=1, download_timeout=5)
            result = refresh(settings)
            assert result.status == "ok", result.message
    return db


@pytest.fixture(scope="session")
def dated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo warehouse as `ecei demo build` makes it: its snapshots as runs at their own dates
    (ecei.demo.mirror.SNAPSHOT_DATES); tests only read it."""
    from ecei.demo.warehouse import build

    return build(tmp_path_factory.mktemp("dated") / "ecei.duckdb").db


@pytest.fixture(scope="session")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Path]]:
    """A warehouse holding one complete run of a snapshot, crawled once per session and copied."""
    done: dict[str, Path] = {}

    def make(snapshot: str) -> Path:
        if snapshot not in done:
            db = tmp_path_factory.mktemp(f"loaded-{snapshot}") / "ecei.duckdb"
            with serve(demo_site(snapshot)) as m:
                result = refresh(Settings(start_url=m.start_url, db=db, polite=False, retry_times=1))
            assert result.status == "ok", result.message
            done[snapshot] = db
        return done[snapshot]

    yield make


@pytest.fixture
def start_from(loaded: Callable[[str], Path], settings: Settings) -> Callable[[str], None]:
    """Put a warehouse with a complete run of `snapshot` at settings.db."""

    def put(snapshot: str) -> None:
        Path(settings.db).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(loaded(snapshot), settings.db)

    return put


def rename_header(body: bytes) -> bytes:
    """A page whose cluster table renames a column the spider expects: the layout changed."""
    return body.replace(b"<th>Comparative portfolio</th>", b"<th>Portfolio</th>")
