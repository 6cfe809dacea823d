"""How a use case ends, in one word each, and the two ways it can end before doing its work.

A use case returns a typed result whose `status` is one of `Status`, or raises `Refused` or `Busy`.
Only the command layer turns these into exit codes and messages (ecei/cli/kit.py); the flows turn
them into Prefect states.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    OK = "ok"
    FAILED = "failed"  # it ran and did not succeed; nothing (or only its own record) was written
    REFUSED = "refused"  # it cannot be done as asked; nothing was written
    PARTIAL = "partial"  # it loaded what it saw and closed nothing
    BUSY = "busy"  # another process holds what it needs; try again later
    UNDELIVERED = "undelivered"  # a channel did not take its alerts; they stay pending
    DRY_RUN = "dry-run"  # shown, not recorded


class Refused(Exception):
    """The work cannot be done as asked; nothing was written. The message says why."""


class Busy(Exception):
    """Another process holds the warehouse or its lock; the message says which and what to do."""
