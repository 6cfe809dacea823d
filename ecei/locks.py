"""The lock files beside a warehouse, one per kind of work that must not run twice at once.

A refresh holds the refresh lock from its crawl to its commit; replay, backfill and a person's
identity decisions take the same lock, so none of them rewrites the history under a merge. Alerts
runs take a lock of their own, so that two runs never send the same pending alerts.
"""

from __future__ import annotations

from pathlib import Path


def refresh_lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


def alerts_lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".alerts.lock")
