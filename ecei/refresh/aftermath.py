"""What follows a write to the warehouse, before the command that wrote returns: one place, so that
every writer gets every step at once, whichever path (the command, the flow) called it.

`after_refresh` runs at the end of every refresh, whatever its outcome, still under the refresh
lock. It returns the problems it met as lines (it never raises: the run is recorded already, and
its exit code stays the run's).

`after_write` is what every other writer (alerts, link and unlink, an in-place replay or backfill,
the demo build) calls once its write is committed and its connection closed, under the lock it
holds: it publishes the read-only copy (ecei.outputs.publish). It never raises either: a copy that could not
be published is a warning (logged, and returned), never the write's outcome.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ecei.outcome import Status
from ecei.outputs.publish import publish, unpublish
from ecei.refresh.healthcheck import ping, shown

if TYPE_CHECKING:
    from ecei.refresh.result import RefreshResult
    from ecei.settings import Settings

log = logging.getLogger(__name__)

# the outcomes of a refresh that wrote to the warehouse: a failed run's record is news too
_WROTE = {Status.OK, Status.PARTIAL, Status.FAILED}


def after_refresh(settings: Settings, result: RefreshResult) -> list[str]:
    """Publish the refresh (when it wrote), tell the world outside the warehouse how it ended
    (ECEI_HEALTHCHECK_URL), and after a complete one rewrite the change feeds (ECEI_FEEDS_DIR)."""
    problems: list[str] = []
    if result.status in _WROTE:
        problems += _publish(settings, f"refresh run {result.run_id or '(failed in its merge)'}")
    if settings.healthcheck_url is not None:
        problems += _ping(settings, result.status)
    if settings.feeds_dir is not None and result.status == Status.OK:
        why = _write_feeds(settings)
        if why is not None:
            problems.append(why)
    return problems


def _ping(settings: Settings, status: Status) -> list[str]:
    # each step on its own: a ping that breaks never skips the feeds, nor changes how the run ended
    assert settings.healthcheck_url is not None
    url = settings.healthcheck_url.get_secret_value()
    try:
        why = ping(url, status, settings.healthcheck_timeout)
    except Exception as exc:  # the message names the type only: an error's text may hold the URL's secret
        why = f"healthcheck {shown(url)}: not pinged ({type(exc).__name__})"
    return [] if why is None else [why]


def after_write(settings: Settings, what: str, alerts_raised: bool = False) -> list[str]:
    """Publish the warehouse after `what` (e.g. "alerts run") wrote to it, and after an alerts run
    (`alerts_raised`) rewrite the feeds (ECEI_FEEDS_DIR), so the alerts feed does not wait for the next
    refresh; the problems are logged as warnings and returned."""
    problems = _publish(settings, what)
    if alerts_raised and settings.feeds_dir is not None:
        why = _write_feeds(settings)
        problems += [why] if why is not None else []
    for problem in problems:
        log.warning(problem)
    return problems


def _publish(settings: Settings, what: str) -> list[str]:
    try:
        if not settings.publish:
            unpublish(settings.db)  # readers then read the live file, never a copy grown stale
        else:
            publish(settings.db, settings.busy_timeout)
    except Exception as exc:
        return [
            f"the read-only copy was not published after the {what}: {exc}; readers see the previous copy "
            "until the next write (or read the live file with --live)"
        ]
    return []


def _write_feeds(settings: Settings) -> str | None:
    # a partial or failed run keeps the feeds of the last complete one: a reader follows whole lists
    assert settings.feeds_dir is not None
    try:
        from ecei.outputs.feeds import write_feeds  # feedgen and lxml only when feeds are wanted

        write_feeds(settings, settings.feeds_dir)
    except Exception as exc:  # the run is recorded: a feed that cannot be written is a warning
        return f"feeds {settings.feeds_dir}: not written ({type(exc).__name__}: {exc})"
    return None
