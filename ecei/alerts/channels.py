"""Deliver alert digests through Apprise: one message per run and channel, secrets kept out of logs.

A channel is an Apprise URL (Slack, e-mail, Teams, webhooks, ...). URLs carry tokens, so they are
never logged or stored. A channel is shown by `channel_name` (its scheme and server, never a
token) and kept in the ledger by `channel_id` (its scheme and a hash of the whole URL, so two
channels on one server stay two). Whatever Apprise logs while sending is redacted before it
reaches any handler. A URL Apprise cannot use is caught by `unusable` before anything is sent.
JSON webhooks (json://, jsons://) get each alert's fields as JSON beside the readable digest,
through the payload extras of Apprise's own JSON service.

Apprise takes half a second to import: it is imported where a message is sent or a URL checked,
so naming a channel (`ecei status`) costs nothing.
"""

from __future__ import annotations

import hashlib
import html
import ipaddress
import logging
import re
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from ecei.deadline import within

if TYPE_CHECKING:
    import apprise

# apprise and the HTTP client under it log URLs (urllib3 at debug: the request path, a token)
_LOGGERS = ("apprise", "urllib3.connectionpool", "urllib3.poolmanager", "urllib3.util.retry", "requests")
_MIN_SECRET = 4  # shorter URL parts (ports, 'json', 'api') are no secrets and would garble messages
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*)://", re.IGNORECASE)
# a server's DNS name: two labels or more, the last one letters (a top-level domain)
_DNS_NAME = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}")
JSON_SCHEMES = ("json", "jsons")  # Apprise's JSON webhook, over HTTP and HTTPS
DELIVERY_HEADER = "X-Ecei-Delivery-Id"  # the header a JSON webhook gets the delivery id in


def _scheme(url: str) -> str | None:
    match = _SCHEME.match(url.strip())
    return match.group(1).lower() if match else None


def channel_id(url: str) -> str:
    """How the ledger keeps a channel apart (alert_deliveries.channel): its scheme and a hash of
    the whole URL. Reveals nothing of the URL but the scheme."""
    return f"{_scheme(url) or '?'}:{hashlib.sha256(url.encode()).hexdigest()[:10]}"


def _server(host: str | None) -> bool:
    """Whether a URL's host is a server's name or address, not a token Apprise reads from there
    (slack://TokenA/..., discord://WebhookId/..., ntfy://topic)."""
    if not host:
        return False
    if host == "localhost" or _DNS_NAME.fullmatch(host):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def channel_name(url: str) -> str:
    """A channel as a person recognises it: its scheme and server, `json://hooks.example.org`,
    `mailtos://smtp.example.org:587` (the port when the URL gives one). Never a user, password,
    path or query. A URL whose host is no server's name (Apprise puts tokens there:
    `slack://TokenA/TokenB/TokenC`) is named by its scheme and a short hash: `slack://~1f2e3d`."""
    scheme = _scheme(url) or "?"
    try:
        split = urlsplit(url.strip())
        host = split.hostname
    except ValueError:
        host = None
    if not _server(host):
        return f"{scheme}://~{hashlib.sha256(url.encode()).hexdigest()[:6]}"
    assert host is not None
    shown = f"[{host}]" if ":" in host else host
    try:
        port = split.port
    except ValueError:
        port = None
    return f"{scheme}://{shown}" + (f":{port}" if port else "")


def secrets_of(url: str) -> list[str]:
    """Every part of an Apprise URL that could be a token: the whole URL, user, password, a host
    that is no server's name, path segments and query values (Apprise puts tokens in any of them)."""
    parts = {url}
    try:
        split = urlsplit(url)
        candidates = [split.username, split.password, split.path]
        # a server's name is shown (channel_name); a host that is no server's name is a token
        if not _server(split.hostname):
            candidates += [split.hostname, split.netloc]
        elif "@" in split.netloc:
            candidates.append(split.netloc)
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


def unusable(url: str) -> str | None:
    """Why Apprise cannot deliver to `url`, in one line that names the channel (channel_name) and
    says what to write instead; None when Apprise can. Nothing is sent."""
    import apprise
    from apprise.manager_plugins import NotificationManager

    name, scheme = channel_name(url), _scheme(url)
    problems = _REDACTION.begin(secrets_of(url))
    try:
        # a service's own https:// address (a Slack or Discord webhook) is one Apprise reads as that service
        if apprise.Apprise.instantiate(url) is not None:
            return None
    finally:
        _REDACTION.end()
    if scheme in ("http", "https"):
        json_scheme = "jsons" if scheme == "https" else "json"
        return (
            f"{name}: Apprise does not take a plain {scheme}:// URL as a webhook; for a JSON webhook write "
            f"the same URL with {json_scheme}:// instead of {scheme}://"
        )
    if scheme is None:
        return f"{name}: not an Apprise URL (SCHEME://...; see https://github.com/caronc/apprise/wiki)"
    if scheme not in NotificationManager():
        return f"{name}: {scheme}:// is no service Apprise knows (see https://github.com/caronc/apprise/wiki)"
    why = problems[0].rstrip(". ") if problems else "a part the service needs is missing or malformed"
    return f"{name}: Apprise cannot use this {scheme}:// URL: {why}"


def send(
    url: str, title: str, body_html: str, timeout: float = 30.0, fields: Mapping[str, Any] | None = None
) -> str | None:
    """Send one HTML message to one channel; None when delivered, else why not (redacted; the
    caller names the channel). A JSON webhook also gets `fields` as JSON members of its payload.

    A channel that has not answered within `timeout` seconds has failed: a server can trickle its
    answer a byte at a time and never trip a read timeout. The send runs in a daemon thread that is
    then left behind (it keeps no process alive, and its logs stay redacted until it ends).
    """
    ended, why = within(timeout, lambda: _deliver(url, title, body_html, fields), "ecei-notify")
    if not ended:
        return f"did not answer within {timeout:g} s (ECEI_NOTIFY_TIMEOUT): not delivered"
    return why


def _target(url: str, fields: Mapping[str, Any] | None) -> str | dict[str, Any]:
    """What Apprise instantiates: the URL, or for a JSON webhook with fields, the URL's parsed
    arguments with the fields among its payload extras (what `:key=value` in the URL gives),
    which Apprise's JSON service puts in its payload beside version, title, message and type."""
    from apprise.plugins import url_to_dict

    if not fields or _scheme(url) not in JSON_SCHEMES:
        return url
    parsed = url_to_dict(url)
    if parsed is None:
        return url
    # a delivery's id also as a header (what `+Header=value` in the URL gives): a receiver can drop a
    # message it has already taken, sent again after a run died before it recorded the answer
    headers = {DELIVERY_HEADER: str(fields["delivery_id"])} if "delivery_id" in fields else {}
    return {
        **parsed,
        "payload": {**(parsed.get("payload") or {}), **fields},
        "headers": {**(parsed.get("headers") or {}), **headers},
    }


def _deliver(url: str, title: str, body_html: str, fields: Mapping[str, Any] | None) -> str | None:
    import apprise

    secrets = secrets_of(url)
    problems = _REDACTION.begin(secrets)
    try:
        # no service timeout of Apprise's own: with one, Apprise sends from its thread pool, whose
        # threads the interpreter waits for at exit, so a channel that never finishes kept the
        # process alive; `send` bounds the call instead, in a thread nothing waits for
        asset = apprise.AppriseAsset(service_timeout=0)
        service = apprise.Apprise.instantiate(_target(url, fields), asset=asset)
        sender: apprise.Apprise = apprise.Apprise(asset=asset)
        if service is None or not sender.add(service):
            return "not a usable Apprise URL"
        # a title is plain text; a service without titles blends it into the body, where Apprise reads
        # it as the body's HTML: escaped there, so that a cluster's name never becomes markup
        said = html.escape(title, quote=False) if service.title_maxlen <= 0 else title
        # HTML in: Apprise converts it for channels that take text or markdown
        if sender.notify(body=body_html, title=said, body_format=apprise.NotifyFormat.HTML):
            return None
    except Exception as exc:  # a plugin's own error must not lose the run's bookkeeping
        problems.append(redact(f"{type(exc).__name__}: {exc}", secrets))
    finally:
        _REDACTION.end()
    return "; ".join(problems[-3:]) or "the channel refused the message"
