"""How one refresh ended: what the command, the flow and what follows the refresh (aftermath) read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ecei.outcome import Status
from warehouse.runs import RunFigures


@dataclass
class RefreshResult:
    status: Status  # ok, partial, failed, busy, or refused (the clock is behind the last run)
    run_id: int | None
    figures: RunFigures
    message: str | None = None
    abandoned_runs: list[int] = field(default_factory=list)
    db: str = ""
    link_decisions: list[dict[str, Any]] = field(default_factory=list)  # renames judged in this run
    # what went wrong after the run was recorded (ecei.refresh.aftermath)
    notices: list[str] = field(default_factory=list)
