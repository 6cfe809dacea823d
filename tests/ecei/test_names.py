"""Finding a country or a cluster by the words a person types, in a real warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecei.names import resolve_country, search_key
from ecei.outcome import Refused
from tests.warehouse.staged_runs import T0, merge, row
from warehouse.db import connect


@pytest.mark.parametrize(
    ("typed", "published"),
    [
        ("cluster d'innovation", "Cluster d\N{RIGHT SINGLE QUOTATION MARK}Innovation"),
        ("oresund", "\N{LATIN CAPITAL LETTER O WITH DIAERESIS}resund"),
        ("lodz", "\N{LATIN CAPITAL LETTER L WITH STROKE}\N{LATIN SMALL LETTER O WITH ACUTE}dz"),
        ("sor-norge", "S\N{LATIN SMALL LETTER O WITH STROKE}r\N{EN DASH}Norge"),
        ("malaga  tech", "M\N{LATIN SMALL LETTER A WITH ACUTE}laga Tech"),
        ("bm3", "BM\N{SUPERSCRIPT THREE}"),
    ],
)
def test_a_name_is_found_without_its_accents_apostrophes_or_case(typed, published):
    assert search_key(typed) == search_key(published)


def test_a_country_is_found_by_name_or_id_and_an_unknown_one_lists_the_known(tmp_path: Path):
    con = connect(tmp_path / "w.duckdb")
    merge(con, tmp_path, [row("A", country_id="9e12-d7ea")], T0)
    assert resolve_country(con, " norway ") == ["9e12-d7ea"]
    assert resolve_country(con, "9E12D7EA") == ["9e12-d7ea"]
    with pytest.raises(Refused, match=r"no country 'Norvège'.*known countries: Norway"):
        resolve_country(con, "Norvège")
