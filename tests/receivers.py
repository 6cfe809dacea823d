"""Real notification receivers on loopback: an HTTP webhook (Apprise json://), one that answers a
byte a second, and an SMTP server (aiosmtpd, for mailto://). Registered as a pytest plugin by
tests/conftest.py."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from ecei.demo.mirror import trickle


@dataclass
class Webhook:
    """Collects the JSON bodies POSTed to it; answers 500 to the next `fail` requests. `before_answer`,
    when set, runs on each POST after its body is kept and before the answer: a slow receiver, or
    one that lets a test act while a sender waits."""

    posts: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    gets: list[str] = field(default_factory=list)  # the paths of GET requests (a healthcheck's pings)
    delivery_ids: list[str | None] = field(default_factory=list)  # each POST's X-Ecei-Delivery-Id header
    fail: int = 0
    port: int = 0
    before_answer: Callable[[], None] | None = None

    def url(self, path: str = "hooks/ecei-SECRET-TOKEN-123") -> str:
        return f"json://127.0.0.1:{self.port}/{path}"


def _handler(hook: Webhook) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if hook.fail > 0:
                hook.fail -= 1
                self.send_response(500)
                self.end_headers()
                return
            hook.posts.append(json.loads(body))
            hook.paths.append(self.path)
            hook.delivery_ids.append(self.headers.get("X-Ecei-Delivery-Id"))
            if hook.before_answer is not None:
                hook.before_answer()
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            hook.gets.append(self.path)
            self.send_response(500 if hook.fail > 0 else 200)
            hook.fail = max(0, hook.fail - 1)
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Handler


@contextmanager
def _serving(handler: type[BaseHTTPRequestHandler], name: str) -> Iterator[int]:
    """Serve `handler` on a loopback port of its own until the block ends; yields the port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name=name, daemon=True).start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    with _serving(_handler(hook), "webhook") as hook.port:
        yield hook


Hooks = Callable[[int], list[Webhook]]


@pytest.fixture
def hooks() -> Iterator[Hooks]:
    """As many real webhook receivers as a test asks for, each on a loopback port of its own."""
    with ExitStack() as stack:

        def make(count: int) -> list[Webhook]:
            made = []
            for i in range(count):
                hook = Webhook()
                hook.port = stack.enter_context(_serving(_handler(hook), f"webhook-{i}"))
                made.append(hook)
            return made

        yield make


@dataclass
class SlowWebhook(Webhook):
    """Takes each POST, then trickles its answer back one byte a second: every read of the client
    gets a byte in time, so no read timeout ever fires. `answered` counts the answers finished."""

    answered: int = 0
    closing: threading.Event = field(default_factory=threading.Event)


_TRICKLED = b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


def _slow_handler(hook: SlowWebhook) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            hook.posts.append(json.loads(body))
            hook.paths.append(self.path)
            if trickle(self.wfile, _TRICKLED, 1.0, hook.closing):
                hook.answered += 1

    return Handler


@pytest.fixture
def slow_webhook() -> Iterator[SlowWebhook]:
    hook = SlowWebhook()
    with _serving(_slow_handler(hook), "slow-webhook") as hook.port:
        try:
            yield hook
        finally:
            hook.closing.set()  # before the server stops: a trickling answer ends at once


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Mailbox:
    messages: list[EmailMessage] = field(default_factory=list)
    port: int = 0

    def url(self) -> str:
        return f"mailto://127.0.0.1:{self.port}?from=ecei@example.org&to=team@example.org&mode=insecure"

    def html_of(self, message: EmailMessage) -> str:
        part = message.get_body(("html",))
        assert part is not None, "the mail has no HTML part"
        return str(part.get_content())


class _Collect:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd hook)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.box.messages.append(message)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[Mailbox]:
    box = Mailbox(port=free_port())
    controller = Controller(_Collect(box), hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
