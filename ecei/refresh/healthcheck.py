"""Liveness outside the warehouse: a ping to ECEI_HEALTHCHECK_URL after every refresh, so that someone
hears when the schedule itself stops (healthchecks.io's convention, which most monitors share).

A complete refresh pings the URL; a failed, partial or refused one pings `<URL>/fail`; a busy one
(another refresh holds the warehouse, and will ping) pings nothing. The URL holds a secret (its
uuid or token), so no message ever shows more than its scheme and host.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ecei.deadline import within
from ecei.outcome import Status

_FAILING = {Status.FAILED, Status.PARTIAL, Status.REFUSED}


def unusable(url: str) -> str | None:
    """Why `url` cannot be pinged, in words that show none of it (it holds the check's secret); None
    when it can. Settings refuses such a value at start (exit 2), before any crawl."""
    try:
        split = urlsplit(url)
        split.port  # noqa: B018 (a port that is no number raises here, not at the first ping)
    except ValueError:
        return "not a URL (a bracket, port or character it cannot hold)"
    if split.scheme not in ("http", "https") or not split.hostname:
        return "not an http(s) URL with a host"
    return None


def ping_url(base: str, status: Status) -> str | None:
    """The URL a refresh that ended `status` pings, or None for one that pings nothing."""
    if status == Status.OK:
        return base
    if status in _FAILING:
        split = urlsplit(base)
        return split._replace(path=split.path.rstrip("/") + "/fail").geturl()
    return None


def shown(url: str) -> str:
    """The URL as a message may show it: scheme and host, never its path (the check's secret)."""
    try:
        split = urlsplit(url)
    except ValueError:
        return "(a malformed URL)"
    return f"{split.scheme}://{split.netloc.rpartition('@')[2]}"


def ping(base: str, status: Status, timeout: float) -> str | None:
    """Ping for a refresh that ended `status`; None when the monitor took it (or nothing was due),
    else why not, in a line that shows no secret. Never raises: the run is recorded already."""
    problem = unusable(base)
    if problem is not None:
        return f"healthcheck {shown(base)}: {problem}; nothing was pinged"
    url = ping_url(base, status)
    if url is None:
        return None

    def get() -> str | None:
        import requests  # Apprise's own HTTP client, already installed

        try:
            answer = requests.get(url, timeout=timeout)
        except requests.RequestException as exc:
            return f"{type(exc).__name__}"
        return None if answer.ok else f"answered HTTP {answer.status_code}"

    ended, why = within(timeout, get, "ecei-healthcheck")
    if not ended:
        return f"healthcheck {shown(base)} did not answer within {timeout:g} s"
    return None if why is None else f"healthcheck {shown(base)}: {why}"
