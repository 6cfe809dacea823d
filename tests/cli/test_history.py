"""`ecei history` as a user runs it: one cluster's timeline, or a suggestion."""

from __future__ import annotations

from pathlib import Path

from tests.cli.helpers import ecei


def test_history_timeline(history_db: Path) -> None:
    done = ecei("history", "arena legasea", "--country", "Norway", "--db", str(history_db), wide=True)
    assert done.returncode == 0, done.stderr
    assert "Arena Legasea (Norway)" in done.stdout
    assert "renewed (was 2018-01-27)" in done.stdout
    assert "listed now; label valid until 2021-01-27" in done.stdout


def test_history_of_an_unknown_name_suggests(history_db: Path) -> None:
    done = ecei("history", "Seafood", "--db", str(history_db), wide=True)
    assert done.returncode == 1
    assert "no cluster named 'Seafood'" in done.stderr
    assert "NCE Seafood Innovation Cluster (Norway)" in done.stderr
