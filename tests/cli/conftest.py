"""Warehouses the CLI tests share: built once per session, by the commands or the use cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecei.demo.mirror import Fault, demo_site, serve
from ecei.refresh.run import refresh
from ecei.settings import Settings
from tests.cli.helpers import ecei, formula_page, hostile_page
from tests.conftest import COUNTRY_PATH, NORWAY


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One refresh of the 2016-06 demo snapshot, by `ecei refresh`."""
    db = tmp_path_factory.mktemp("cli") / "demo.duckdb"
    done = ecei("refresh", "--demo", "--demo-snapshot", "2016-06", "--db", str(db), "--json")
    assert done.returncode == 0, done.stderr
    return db


@pytest.fixture(scope="session")
def archived_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two refreshes (2018-10, then 2021-09) whose pages the archive keeps; tests read it or copy it."""
    db = tmp_path_factory.mktemp("archive-cli") / "demo.duckdb"
    with serve(demo_site("2018-10")) as mirror:
        settings = Settings(start_url=mirror.start_url, db=db, polite=False)
        assert refresh(settings).status == "ok"
        mirror.switch(demo_site("2021-09"))
        assert refresh(settings).status == "ok"
    return db


@pytest.fixture(scope="session")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One refresh of the 2016-06 snapshot whose Norway page names one cluster HOSTILE_NAME."""
    db = tmp_path_factory.mktemp("hostile") / "demo.duckdb"

    with serve(demo_site("2016-06")) as mirror:
        mirror.faults[COUNTRY_PATH + NORWAY] = Fault(rewrite=hostile_page)
        assert refresh(Settings(start_url=mirror.start_url, db=db, polite=False)).status == "ok"
    return db


@pytest.fixture(scope="session")
def formula_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One refresh of the 2016-06 snapshot whose Norway page names one cluster FORMULA_NAME."""
    db = tmp_path_factory.mktemp("formula") / "demo.duckdb"

    with serve(demo_site("2016-06")) as mirror:
        mirror.faults[COUNTRY_PATH + NORWAY] = Fault(rewrite=formula_page)
        assert refresh(Settings(start_url=mirror.start_url, db=db, polite=False)).status == "ok"
    return db
