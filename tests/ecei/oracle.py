"""What a history must hold, computed from the mirror's own oracle (each snapshot's expected.json)."""

from __future__ import annotations

from typing import Any

from pipelines.contract import clean_text
from pipelines.keys import country_key, name_key
from tests.conftest import expected_rows


def oracle_versions(snapshots: list[str]) -> int:
    """Versions a type-2 history of complete runs must hold, computed from the mirror's oracle."""
    current: dict[tuple[str, str], tuple[Any, ...]] = {}
    versions = 0
    for snap in snapshots:
        seen = {}
        for r in expected_rows(snap):
            name = clean_text(r["name"])
            if not name:
                continue  # quarantined
            values = (r["country"], r["country_id"], name, r["portfolio"], r["website"], r["valid_until"])
            seen[(country_key(r["country_id"]), name_key(name))] = values
        versions += sum(1 for k, v in seen.items() if current.get(k) != v)
        current = seen
    return versions


def named(snapshot: str) -> set[tuple[str, str]]:
    return {(r["country"], clean_text(r["name"])) for r in expected_rows(snapshot) if clean_text(r["name"])}
