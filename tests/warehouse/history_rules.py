"""The rules of the history that no index enforces: the merge keeps them, the tests check them."""

from __future__ import annotations

import duckdb

RULES = {
    "a key has one cluster id": "select country_key, name_key from cluster_keys group by all having count(*) > 1",
    "a cluster has one open version": "select cluster_id from versions where valid_to is null group by 1 "
    "having count(*) > 1",
    "a key has one open version": "select country_key, name_key from versions where valid_to is null "
    "group by all having count(*) > 1",
    "a version ends after it begins": "select cluster_id from versions where valid_to < valid_from",
    "a version's key gives its cluster id": "select v.cluster_id from versions as v "
    "left join cluster_keys as k using (country_key, name_key) "
    "where k.cluster_id is distinct from v.cluster_id",
}


def assert_history_consistent(con: duckdb.DuckDBPyConnection) -> None:
    broken = {rule: rows for rule, sql in RULES.items() if (rows := con.execute(sql).fetchall())}
    assert not broken, broken
