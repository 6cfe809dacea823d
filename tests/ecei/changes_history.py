"""A warehouse whose history holds every kind of change, built by staged runs at their own dates:
what `ecei changes` is tested on (the use case and the command).

- run 1, 2020-01-10 05:00, complete: Arena Alpha, Bergen Bio, Coast Care, Fjord Fish (renamed
  later), in Norway; Malmo Maritime in Sweden.
- run 2, 2020-06-10 05:00, partial: sees Arena Alpha and Bergen Bio (whose portfolio changed);
  Coast Care, Fjord Fish and Malmo Maritime are missed, and stay listed (a partial run closes nothing).
- run 3, 2021-01-10 05:00, complete: Arena Alpha renewed, Bergen Bio as in run 2, Coast Care gone,
  Fjord Fish renamed "Fjord Seafood Cluster" (same website: linked) with another portfolio, Malmo
  Maritime with a new website, and two new clusters, one named as an attacker would.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from tests.cli.helpers import HOSTILE_NAME
from tests.warehouse.staged_runs import merge, row
from warehouse.db import connect

NORWAY_ID = "9e0e2d07-b7a9-47ae-a816-cf7692205403"
SWEDEN_ID = "5b1e2c44-0d3f-4c1a-9a53-2a8f0f3e9d10"
RUN_1 = dt.datetime(2020, 1, 10, 5)
RUN_2 = dt.datetime(2020, 6, 10, 5)
RUN_3 = dt.datetime(2021, 1, 10, 5)
FISH_SITE = "http://www.fjord-fish.example/"


def norway(name: str, **values: Any) -> dict[str, Any]:
    return row(name, country_id=NORWAY_ID, **values)


def sweden(name: str, **values: Any) -> dict[str, Any]:
    return {**row(name, country_id=SWEDEN_ID, **values), "country": "Sweden"}


def build(db: Path) -> Path:
    """Merge the three runs into a new warehouse at `db`; returns `db`."""
    stages = db.parent / "stages"
    con = connect(db)
    try:
        alpha = norway("Arena Alpha", valid_until="2020-09-01", portfolio="ICT")
        bergen = norway("Bergen Bio", valid_until="2022-01-01", portfolio="Life sciences")
        coast = norway("Coast Care", valid_until="2021-03-01", portfolio="Health")
        fish = norway("Fjord Fish", valid_until="2022-06-01", portfolio="Food industry", website=FISH_SITE)
        malmo = sweden(
            "Malmo Maritime", valid_until="2023-01-01", portfolio="Maritime", website="http://malmo.example/"
        )
        merge(con, stages, [alpha, bergen, coast, fish, malmo], RUN_1)

        bergen_2 = {**bergen, "portfolio": "Biotechnology"}
        merge(con, stages, [alpha, bergen_2], RUN_2, complete=False)

        merge(
            con,
            stages,
            [
                {**alpha, "valid_until": "2023-09-01"},
                bergen_2,
                norway("Fjord Seafood Cluster", valid_until="2022-06-01", portfolio="Blue economy", website=FISH_SITE),
                {**malmo, "website": "https://www.malmo-maritime.example/"},
                norway("Digital Nord", valid_until="2024-05-05", portfolio="ICT"),
                norway(HOSTILE_NAME, valid_until="2024-05-05", portfolio="ICT"),
            ],
            RUN_3,
        )
    finally:
        con.close()
    return db
