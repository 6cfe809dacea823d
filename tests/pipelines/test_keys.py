"""The identity keys, and the cluster-id rule the warehouse derives from them."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pipelines.keys import country_key, name_key
from warehouse.db import connect


def test_key_ignores_case_width_and_spacing() -> None:
    assert name_key("NCE  Seafood") == name_key("nce seafood") == name_key("ＮＣＥ Seafood")


def test_country_key_ignores_dashes() -> None:
    assert country_key("9E0E2D07-B7A9-47ae") == country_key("9e0e2d07b7a947ae")


def test_cluster_id_macro_is_the_documented_rule(tmp_path: Path) -> None:
    ckey, nkey = country_key("9E0E2D07-B7A9"), name_key("NCE Seafood  Innovation")
    expected = hashlib.md5(f"{ckey}\x1f{nkey}".encode()).hexdigest()[:16]
    with connect(tmp_path / "w.duckdb") as con:
        assert con.execute("select cluster_id_of(?, ?)", [ckey, nkey]).fetchone() == (expected,)
