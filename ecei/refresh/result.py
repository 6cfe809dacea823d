"""How one refresh ended: what the command, the flow and what follows the refresh (aftermath) read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ecei import run_figures
from ecei.outcome import Status
from warehouse.runs import RunFigures


@dataclass
class RefreshResult:
    status: Status  # ok, partial, failed, busy, or refused (the clock is behind the last run)
    run_id: int | None
    figures: RunFigures  # what the run counted
    message: str | None = None
    abandoned_runs: list[int] = field(default_factory=list)
    db: str = ""
    link_decisions: list[dict[str, Any]] = field(default_factory=list)  # renames judged in this run
    # what went wrong after the run was recorded (ecei.refresh.aftermath)
    notices: list[str] = field(default_factory=list)
    # every figure of the run as the warehouse recorded it (warehouse/semantics/run_figures.sql);
    # empty when no run was recorded (busy, refused)
    recorded: dict[str, Any] = field(default_factory=dict)

    def shown_figures(self) -> Mapping[str, Any]:
        """The figures a summary shows: the run as recorded, or what was counted when none was."""
        return self.recorded or run_figures.counted(self.figures)
