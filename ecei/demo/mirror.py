"""Serve a snapshot of the bundled mirror over HTTP on loopback, with optional faults.

Used by `ecei refresh --demo` and by the tests; a snapshot folder holds `routes.json`, which maps
each request path (with its query) to a file of the folder.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from io import BufferedIOBase
from pathlib import Path
from urllib.parse import urlsplit

# a reserved name (RFC 2606): it never resolves, so nothing recorded under it can be a real site's
DEMO_HOST = "demo.ecei-watch.invalid"


def is_demo_url(url: str) -> bool:
    """True for the demo's own address and for loopback (the bundled mirror served on this machine)."""
    host = urlsplit(url).hostname or ""
    if host == DEMO_HOST or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def demo_mismatch(db: object, start_urls: list[str], start_url: str) -> str | None:
    """Why a crawl of `start_url` must not go into the warehouse `db` whose runs crawled `start_urls`:
    every run crawled the demo and this one would not (a copy of the demo taking the live site's
    crawls would mix the two histories); None when it may. `demo build` refuses the reverse."""
    if not start_urls or is_demo_url(start_url) or not all(map(is_demo_url, start_urls)):
        return None
    return (
        f"{db} is a demo warehouse (every run crawled the bundled snapshots): a crawl of {start_url} goes into a "
        "warehouse of its own; pass --db with another file"
    )


SNAPSHOTS = ("2016-06", "2018-10", "2021-09")
# when the demo records each snapshot (naive UTC): mid-month, 09:00, as a web archive might have kept it
SNAPSHOT_DATES: dict[str, dt.datetime] = {
    "2016-06": dt.datetime(2016, 6, 15, 9, 0),
    "2018-10": dt.datetime(2018, 10, 15, 9, 0),
    "2021-09": dt.datetime(2021, 9, 15, 9, 0),
}
OVERVIEW_PATH = "/benchmarked-clusters"


def demo_site(snapshot: str) -> Path:
    """The folder of a bundled demo snapshot."""
    if snapshot not in SNAPSHOTS:
        raise ValueError(f"unknown demo snapshot {snapshot!r}; choose one of {', '.join(SNAPSHOTS)}")
    return Path(str(resources.files("ecei") / "demo" / "site" / snapshot))


@dataclass
class Fault:
    """What a path answers instead of its page: a status, a hang, a rewritten body or a raw answer."""

    status: int | None = None
    hang: bool = False
    retry_after: str | None = None
    # rewrite the page's body (bytes in, bytes out), e.g. to cut a table short or rename a header
    rewrite: Callable[[bytes], bytes] | None = None
    # answer with the fault only this many times, then serve the page (None = always)
    times: int | None = None
    # with a 3xx status: where to redirect
    location: str | None = None
    # answer 200 with this body as it is, and these headers (e.g. a gzip bomb: Content-Encoding: gzip)
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # send the page's body one byte per this many seconds: no read of the client ever waits long
    trickle: float | None = None


@dataclass
class Mirror:
    folder: Path
    faults: dict[str, Fault] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    # (time.monotonic() on arrival, path) of every request, to see how long a client waited
    arrivals: list[tuple[float, str]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    stopping: threading.Event = field(default_factory=threading.Event)  # set when serving ends

    @property
    def base_url(self) -> str:
        assert self.server is not None
        host = self.server.server_address[0]
        assert isinstance(host, str)  # bytes only for a socket family other than the IPv4 one served on
        return f"http://{host}:{self.server.server_port}"

    @property
    def start_url(self) -> str:
        return self.base_url + OVERVIEW_PATH

    def routes(self) -> dict[str, str]:
        routes: dict[str, str] = json.loads((self.folder / "routes.json").read_text())
        return routes

    def switch(self, folder: Path) -> None:
        """Serve another snapshot from the same address."""
        self.folder = folder


def _handler(mirror: Mirror) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            mirror.arrivals.append((time.monotonic(), self.path))
            mirror.requests.append(self.path)
            fault = mirror.faults.get(self.path)
            if fault is not None and fault.times is not None:
                if fault.times > 0:
                    fault.times -= 1
                else:
                    fault = None
            if fault is not None and fault.hang:
                time.sleep(3600)
                return
            if fault is not None and fault.status is not None:
                body = f"fault {fault.status}".encode()
                self.send_response(fault.status)
                if fault.retry_after is not None:
                    self.send_header("Retry-After", fault.retry_after)
                if fault.location is not None:
                    self.send_header("Location", fault.location)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            if fault is not None and fault.body is not None:
                headers = {"Content-Type": "text/html; charset=utf-8", "Content-Length": str(len(fault.body))}
                self.send_response(200)
                for header, value in {**headers, **fault.headers}.items():
                    self.send_header(header, value)
                self.end_headers()
                self.wfile.write(fault.body)
                return
            name = mirror.routes().get(self.path)
            if name is None:
                self.send_error(404)
                return
            body = (mirror.folder / name).read_bytes()
            if fault is not None and fault.rewrite is not None:
                body = fault.rewrite(body)
            kind = "text/plain" if name.endswith(".txt") else "text/html"
            self.send_response(200)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if fault is not None and fault.trickle is not None:
                trickle(self.wfile, body, fault.trickle, mirror.stopping)
                return
            self.wfile.write(body)

    return Handler


def trickle(out: BufferedIOBase, body: bytes, interval: float, stopping: threading.Event) -> bool:
    """Write `body` one byte every `interval` seconds, so that no read timeout ever fires; False when
    stopped or when the client gave up first."""
    for byte in body:
        if stopping.wait(interval):
            return False
        try:
            out.write(bytes([byte]))
            out.flush()
        except OSError:  # the client gave up
            return False
    return True


@contextmanager
def serve(
    folder: Path, faults: dict[str, Fault] | None = None, port: int = 0, host: str = "127.0.0.1"
) -> Iterator[Mirror]:
    """Serve `folder` on loopback (an ephemeral port by default) until the block ends."""
    mirror = Mirror(folder, faults or {})
    mirror.server = ThreadingHTTPServer((host, port), _handler(mirror))
    with serving(mirror.server, "ecei-mirror", mirror.stopping):
        yield mirror


@contextmanager
def serving(server: ThreadingHTTPServer, name: str, stopping: threading.Event) -> Iterator[None]:
    """Answer on `server` from a thread of its own until the block ends; then set `stopping` (so that a
    slow answer under way gives up) and close it."""
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stopping.set()
        server.shutdown()
        server.server_close()
