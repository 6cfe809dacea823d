"""The change kinds, declared once: what a refresh can do to a cluster, in the order every view
shows them (the refresh summary, the Prefect artifact, the HTML report, the flows' log lines).

A kind's name is the value of `changes.change` and the column of `run_figures` (and `crawl_runs`)
that counts a run's changes of that kind. Which kind a change is, is decided in SQL, once: change_of
in warehouse/semantics/what_happened.sql (this file names and orders them); the count is its line of
warehouse/semantics/run_figures.sql. Those three files are a new kind; every surface and the tests
that hold them read KINDS. `renewed` is no change kind of its own: a cluster changed or renamed
whose label date moved later (is_renewal, warehouse/semantics/renewal.sql), which the summaries
count apart (RENEWED).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChangeKind:
    name: str  # changes.change, run_figures.<name>, crawl_runs.<name>
    label: str  # the word in a line of figures: "added / changed / ..."
    heading: str  # the heading of a section or column that lists or counts them


ADDED = ChangeKind("added", "added", "Added")
CHANGED = ChangeKind("changed", "changed", "Changed")
REMOVED = ChangeKind("removed", "removed", "Removed")
RENAMED = ChangeKind("renamed", "renamed", "Renamed")
KINDS: tuple[ChangeKind, ...] = (ADDED, CHANGED, REMOVED, RENAMED)

# the summaries count the renewals among the changed and renamed clusters apart
RENEWED = ChangeKind("renewed", "renewed", "Renewed")
SUMMARY: tuple[ChangeKind, ...] = (ADDED, CHANGED, RENEWED, REMOVED, RENAMED)


def names() -> list[str]:
    return [k.name for k in KINDS]


def figure_label() -> str:
    """`added / changed / removed / renamed`: the label of the run figure that counts them all."""
    return " / ".join(k.label for k in KINDS)
