"""What follows a write to the warehouse, before the command that wrote returns: one place, so that
every writer gets every step at once, whichever path (the command, the flow) called it.

`after_refresh` runs at the end of every refresh, whatever its outcome, still under the refresh
lock. It returns the problems it met as lines (it never raises: the run is recorded already, and
its exit code stays the run's).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ecei.healthcheck import ping
from ecei.outcome import Status

if TYPE_CHECKING:
    from ecei.refresh import RefreshResult
    from ecei.settings import Settings


def after_refresh(settings: Settings, result: RefreshResult) -> list[str]:
    """Tell the world outside the warehouse how the refresh ended (ECEI_HEALTHCHECK_URL), and after a
    complete one rewrite the change feeds (ECEI_FEEDS_DIR)."""
    problems: list[str] = []
    if settings.healthcheck_url is not None:
        why = ping(settings.healthcheck_url.get_secret_value(), result.status, settings.healthcheck_timeout)
        if why is not None:
            problems.append(why)
    if settings.feeds_dir is not None and result.status == Status.OK:
        why = _write_feeds(settings)
        if why is not None:
            problems.append(why)
    return problems


def _write_feeds(settings: Settings) -> str | None:
    # a partial or failed run keeps the feeds of the last complete one: a reader follows whole lists
    from ecei.feeds import write_feeds  # feedgen and lxml only when feeds are wanted

    assert settings.feeds_dir is not None
    try:
        write_feeds(settings, settings.feeds_dir)
    except Exception as exc:  # the run is recorded: a feed that cannot be written is a warning
        return f"feeds {settings.feeds_dir}: not written ({type(exc).__name__}: {exc})"
    return None
