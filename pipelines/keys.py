"""The identity of a cluster: the keys of its country and name, which every layer computes the same way.

The site publishes no id. A cluster is its (country key, name key); its `cluster_id` is derived from
the two by the SQL macro `cluster_id_of`, created by warehouse/migrations/007_cluster_id_macro.sql,
the one place that rule is written.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache


def name_key(name: str) -> str:
    """The identity form of a name: case, width and spacing differences are one cluster."""
    if name.isascii():  # NFKC leaves ASCII alone, and casefold is lower there
        return " ".join(name.lower().split())
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


@lru_cache(maxsize=1024)  # a page's rows share their country
def country_key(country_id: str) -> str:
    """Dashed and undashed forms of the same country id are one country."""
    return country_id.replace("-", "").strip().lower()
