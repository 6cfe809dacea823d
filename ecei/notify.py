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
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

import apprise

from ecei import alert_kinds
from warehouse.alerts import Alert

# apprise and the HTTP client under it log URLs (urllib3 at debug: the request path, a token)
_LOGGERS = ("apprise", "urllib3.connectionpool", "urllib3.poolmanager", "urllib3.util.retry", "requests")
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


class _Redaction(logging.Filter):
    """The one filter on the loggers apprise sends through, installed for good: while sends are under
    way every record loses every one of their URLs' secrets, and each send keeps the warnings its
    own thread logged. (Filters added and removed per send could skip one another: a logger walks
    its filter list while another thread changes it.)"""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._sends: dict[int, tuple[list[str], list[str]]] = {}  # thread -> (secrets, problems)

    def begin(self, secrets: list[str]) -> list[str]:
        """Redact `secrets` from now on; returns the list this thread's warnings go to."""
        problems: list[str] = []
        with self._lock:
            self._sends = {**self._sends, threading.get_ident(): (secrets, problems)}
        return problems

    def end(self) -> None:
        with self._lock:
            self._sends = {k: v for k, v in self._sends.items() if k != threading.get_ident()}

    def filter(self, record: logging.LogRecord) -> bool:
        sends = self._sends  # replaced whole, never changed in place: safe to read without the lock
        if not sends:
            return True
        message = record.getMessage()
        for secrets, _ in sends.values():  # a record from a thread of apprise's own is redacted too
            message = redact(message, secrets)
        record.msg, record.args = message, None
        own = sends.get(record.thread or 0)
        if own is not None and record.levelno >= logging.WARNING and record.name == "apprise":
            own[1].append(message)
        return True


_REDACTION = _Redaction()
for _name in _LOGGERS:
    logging.getLogger(_name).addFilter(_REDACTION)


def send(url: str, title: str, body_html: str, timeout: float = 30.0) -> str | None:
    """Send one HTML message to one channel; None when delivered, else why not (redacted).

    A channel that has not answered within `timeout` seconds has failed: a server can trickle its
    answer a byte at a time and never trip a read timeout. The send runs in a daemon thread that is
    then left behind (it keeps no process alive, and its logs stay redacted until it ends).
    """
    outcome: list[str | None] = []
    worker = threading.Thread(
        target=lambda: outcome.append(_deliver(url, title, body_html)), name="ecei-notify", daemon=True
    )
    worker.start()
    worker.join(timeout)
    if worker.is_alive() or not outcome:
        return f"{channel_id(url)} did not answer within {timeout:g} s (ECEI_NOTIFY_TIMEOUT): not delivered"
    return outcome[0]


def _deliver(url: str, title: str, body_html: str) -> str | None:
    secrets = secrets_of(url)
    problems = _REDACTION.begin(secrets)
    try:
        # no service timeout of Apprise's own: with one, Apprise sends from its thread pool, whose
        # threads the interpreter waits for at exit, so a channel that never finishes kept the
        # process alive; `send` bounds the call instead, in a thread nothing waits for
        sender = apprise.Apprise(asset=apprise.AppriseAsset(service_timeout=0))
        if not sender.add(url):
            return f"not a usable Apprise URL ({channel_id(url)})"
        # HTML in: Apprise converts it for channels that take text or markdown
        if sender.notify(body=body_html, title=title, body_format=apprise.NotifyFormat.HTML):
            return None
    except Exception as exc:  # a plugin's own error must not lose the run's bookkeeping
        problems.append(redact(f"{type(exc).__name__}: {exc}", secrets))
    finally:
        _REDACTION.end()
    return "; ".join(problems[-3:]) or "the channel refused the message"


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
