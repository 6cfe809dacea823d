"""Deliver alert digests through Apprise: one message per run and channel, secrets kept out of logs.

A channel is an Apprise URL (Slack, e-mail, Teams, webhooks, ...). URLs carry tokens, so they are
never logged or stored: a channel is named by its scheme and a short hash of the URL, and whatever
Apprise logs while sending is redacted before it reaches any handler.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import logging
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

import apprise

from ecei import alert_kinds
from warehouse.alerts import Alert

# apprise and the HTTP client under it log URLs (urllib3 at debug: the request path, a token)
_LOGGERS = ("apprise", "urllib3.connectionpool", "urllib3.poolmanager", "urllib3.util.retry", "requests")
_SEND_LOCK = threading.Lock()  # one redacting filter on these shared loggers at a time
_MIN_SECRET = 4  # shorter URL parts (ports, 'json', 'api') are no secrets and would garble messages


def channel_id(url: str) -> str:
    """A stable name for a channel that reveals nothing of its URL but the scheme."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else "?"
    return f"{scheme}:{hashlib.sha256(url.encode()).hexdigest()[:10]}"


def secrets_of(url: str) -> list[str]:
    """Every part of an Apprise URL that could be a token: the whole URL, user, password,
    host, path segments and query values (Apprise puts tokens in any of them)."""
    parts = {url}
    try:
        split = urlsplit(url)
        candidates = [split.username, split.password, split.hostname, split.netloc, split.path]
        candidates += split.path.split("/")
        candidates += [v for _, v in parse_qsl(split.query)]
    except ValueError:
        candidates = re.split(r"[/:@?&=]", url)
    for part in candidates:
        if part:
            parts.update({part, unquote(part)})
    return sorted((p for p in parts if len(p) >= _MIN_SECRET), key=len, reverse=True)


def redact(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


class _Redactor(logging.Filter):
    """Rewrites apprise's log records without the URL's secrets, and keeps the warnings."""

    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self.secrets = secrets
        self.problems: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        message = redact(record.getMessage(), self.secrets)
        record.msg, record.args = message, None
        if record.levelno >= logging.WARNING and record.name == "apprise":
            self.problems.append(message)
        return True


@contextmanager
def _redacted_apprise_logs(url: str) -> Iterator[_Redactor]:
    redactor = _Redactor(secrets_of(url))
    loggers = [logging.getLogger(name) for name in _LOGGERS]
    with _SEND_LOCK:
        for logger in loggers:
            logger.addFilter(redactor)
        try:
            yield redactor
        finally:
            for logger in loggers:
                logger.removeFilter(redactor)


def send(url: str, title: str, body_html: str) -> str | None:
    """Send one HTML message to one channel; None when delivered, else why not (redacted)."""
    with _redacted_apprise_logs(url) as redactor:
        try:
            sender = apprise.Apprise()
            if not sender.add(url):
                return f"not a usable Apprise URL ({channel_id(url)})"
            # HTML in: Apprise converts it for channels that take text or markdown
            if sender.notify(body=body_html, title=title, body_format=apprise.NotifyFormat.HTML):
                return None
        except Exception as exc:  # a plugin's own error must not lose the run's bookkeeping
            redactor.problems.append(redact(f"{type(exc).__name__}: {exc}", redactor.secrets))
    return "; ".join(redactor.problems[-3:]) or "the channel refused the message"


@dataclass
class Digest:
    title: str
    body_html: str


def _line(alert: Alert) -> str:
    e = html.escape
    kind = alert_kinds.kind_of(alert.kind)
    if not kind.about_a_cluster:
        return f"<li>{e(kind.note(alert))}</li>"
    label = alert.label_date.isoformat() if alert.label_date else "?"
    facts = [e(alert.country or "?"), e(alert.portfolio or "?"), f"label valid until {label}"]
    note = kind.note(alert)
    if note:
        facts.append(e(note))
    website = f' &middot; <a href="{e(alert.website, quote=True)}">{e(alert.website)}</a>' if alert.website else ""
    return f"<li><b>{e(alert.name or '?')}</b> &middot; {' &middot; '.join(facts)}{website}</li>"


def render_digest(alerts: Sequence[Alert], today: dt.date) -> Digest:
    """One message for a run and channel, a section per alert kind (ecei/alert_kinds.py); every
    text from the warehouse is HTML-escaped."""
    count = len(alerts)
    title = f"ecei-watch: {count} label alert{'s' if count != 1 else ''} ({today.isoformat()})"
    sections = []
    for kind, of_kind in alert_kinds.by_kind(alerts):
        items = "\n".join(_line(a) for a in of_kind)
        sections.append(f"<h3>{html.escape(kind.title)} ({len(of_kind)})</h3>\n<ul>\n{items}\n</ul>")
    return Digest(title, "\n".join(sections))
