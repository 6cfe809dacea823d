"""Smoke test of the benchmark suite at a tiny size: it runs, measures every target, writes results.

No timing is asserted here: the figures live in bench/RESULTS.md.
"""

from __future__ import annotations

from pathlib import Path

from bench import generate, run
from bench.results import Result, write_results


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
        "sql latency",
        "read latency, `ecei status`",
        "read latency, `ecei history`",
        "read latency, `ecei changes`",
        "read latency, `ecei sql`",
        "sql peak memory, 30,000 rows, csv",
        "sql peak memory, 30,000 rows, jsonl",
        "sql table with a 1 MB value",
        "alerts run, 4 subscribers",
        "alerts run the same day again",
    ):
        assert target in text
    assert "nan" not in text


def test_results_keep_the_notes_below_the_table(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    results.write_text("## old\n\n| target | x |\n|---|---|\n| old row | 1 |\n\nNotes by hand.\n")
    write_results(results, "tiny", 1, [Result("sql latency", 0.5, 0.3, "s", "<= 1.6x")])
    text = results.read_text()
    assert "| sql latency | 0.500 s | 0.300 s | 1.67x |" in text and "old row" not in text
    assert text.endswith("\n\nNotes by hand.\n")
