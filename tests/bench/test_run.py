"""Smoke test of the benchmark suite at a tiny size: it runs, measures every target, writes results.

No timing is asserted here: the figures live in bench/RESULTS.md.
"""

from __future__ import annotations

from pathlib import Path

from bench import generate, run


def test_generated_second_snapshot_changes_what_it_says(tmp_path: Path) -> None:
    first = generate.first_snapshot(4, 500)
    second = generate.second_snapshot(first, 0.1)
    before = {(c.id, r.name): r for c in first for r in c.rows}
    after = {(c.id, r.name): r for c in second for r in c.rows}
    removed, added = before.keys() - after.keys(), after.keys() - before.keys()
    changed = [k for k in before.keys() & after.keys() if before[k] != after[k]]
    assert 0 < len(removed) < 0.02 * len(before) and len(added) == 4 * round(500 * 0.005)
    assert 0.05 * len(before) < len(changed) < 0.15 * len(before)
    renewed = [k for k in changed if after[k].valid_until > before[k].valid_until]
    assert 0 < len(renewed) < len(changed)


def test_suite_runs_at_tiny_size(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    assert run.main(["--size", "tiny", "--repeat", "1", "--results", str(results)]) == 0
    text = results.read_text()
    for target in (
        "end to end",
        "merge, 5,000 rows",
        "merge with its staging load",
        "peak memory",
        "no-op merges",
        "merge growth",
        "extraction",
    ):
        assert target in text
    assert "nan" not in text
