"""A call that must end by a deadline, whatever the server at the other end does.

A server can answer a byte at a time and never trip a socket's read timeout; so a call to one (a
notification channel, a healthcheck) runs in a daemon thread that is left behind at the deadline:
it keeps no process alive, and the caller goes on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def within(seconds: float, call: Callable[[], T], name: str) -> tuple[bool, T | None]:
    """(True, what `call` returned) when it ended within `seconds`, else (False, None)."""
    outcome: list[T] = []
    worker = threading.Thread(target=lambda: outcome.append(call()), name=name, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive() or not outcome:
        return False, None
    return True, outcome[0]
