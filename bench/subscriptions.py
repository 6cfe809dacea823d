"""An alerts run with many subscribers against the same run with ECEI_NOTIFY alone.

    .venv/bin/python -m bench.subscriptions [--countries 48] [--rows 27] [--subscribers 48] [--repeat 3]

A generated mirror (bench.generate) is refreshed into a warehouse by `ecei refresh`; then `ecei
alerts --today 2020-01-01` runs on a fresh copy of it, alternately with ECEI_NOTIFY alone (one digest
of every alert, in parts of ECEI_DIGEST_MAX_ALERTS) and with ECEI_NOTIFY plus one digest subscriber
per country (each filtered to its country), every channel a real webhook on loopback. A second run
on the same day raises nothing new: it measures what every scheduled run costs once the first has
delivered (it still loads the open alerts of every subscriber's window). Each side is a whole `ecei`
process, as a schedule runs it.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

from bench import generate
from bench.end_to_end import ECEI_ENV, served
from bench.results import Result, line, median_alternating
from ecei.settings import Settings

BIN = Path(sys.executable).parent
SUMMARY = re.compile(r"(?P<raised>\d+) new alerts, (?P<delivered>\d+) delivered")
TODAY = "2020-01-01"  # generated labels run from 2012 to 2023: many expiring and lapsed on this day


class _Counting(BaseHTTPRequestHandler):
    posts: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).posts.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def receiver() -> Iterator[tuple[str, list[str]]]:
    """A webhook on loopback taking every POST; yields its json:// base and the paths it was sent."""
    handler = type("Counting", (_Counting,), {"posts": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"json://127.0.0.1:{server.server_address[1]}", handler.posts
    finally:
        server.shutdown()
        server.server_close()


def subscriptions_file(folder: Path, base: str, countries: int) -> Path:
    lines = ["subscriptions:"]
    for c in range(countries):
        lines += [f"  - name: desk-{c:02d}", f"    notify: {base}/desk-{c:02d}", f"    countries: [Country {c:02d}]"]
    path = folder / "subscriptions.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _alerts(db: Path, env: dict[str, str]) -> tuple[float, dict[str, object]]:
    cmd = [str(BIN / "ecei"), "alerts", "--db", str(db), "--today", TODAY]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"ecei alerts exited {done.returncode}: {done.stderr[-2000:]}")
    figures = SUMMARY.search(done.stdout + done.stderr)
    if figures is None:
        raise RuntimeError(f"ecei alerts said no summary: {done.stdout[-2000:]}")
    return elapsed, {"raised": int(figures["raised"]), "delivered": int(figures["delivered"])}


def subscription_runs(work: Path, countries: int, rows: int, subscribers: int, repeat: int) -> list[Result]:
    site = work / f"subs-site-{countries * rows}"
    generate.write_site(generate.first_snapshot(countries, rows), site)
    base = work / f"subs-base-{countries * rows}.duckdb"
    with served(site) as url:
        cmd = [str(BIN / "ecei"), "refresh", "--start-url", url, "--db", str(base), "--json"]
        subprocess.run(cmd, check=True, capture_output=True, env=ECEI_ENV)
    figures: dict[str, dict[str, int]] = {}
    with receiver() as (hook, posts):
        subs = subscriptions_file(work, hook, min(subscribers, countries))
        alone = {**ECEI_ENV, "ECEI_NOTIFY": f"{hook}/everything"}
        alone.pop("ECEI_SUBSCRIPTIONS", None)
        many = {**alone, "ECEI_SUBSCRIPTIONS": str(subs)}
        seconds: dict[str, list[float]] = {"again": [], "again-alone": []}

        def side(env: dict[str, str], label: str) -> float:
            db = work / f"subs-{label}.duckdb"
            shutil.copy(base, db)
            before = len(posts)
            first, result = _alerts(db, env)
            result["posts"] = len(posts) - before
            figures[label] = result
            again, _ = _alerts(db, env)  # the same day: nothing new to raise or send
            seconds["again" if label == "many" else "again-alone"].append(again)
            for f in work.glob(f"subs-{label}*"):
                f.unlink()
            return first

        ours, theirs = median_alternating(lambda: side(many, "many"), lambda: side(alone, "alone"), repeat)
    raised = figures["many"]["raised"]
    # what is timed must be what is said: one digest alone (in its parts), and more with the subscribers
    parts = math.ceil(raised / Settings.model_fields["digest_max_alerts"].default)
    if not raised or figures["alone"]["posts"] != parts or figures["many"]["posts"] <= parts:
        raise RuntimeError(f"the alerts runs did not deliver as the bench assumes: {figures}")
    note = (
        f"{raised:,} alerts raised from {countries * rows:,} clusters; "
        f"{figures['many']['posts']} messages with subscribers, {figures['alone']['posts']} without"
    )
    again, again_alone = statistics.median(seconds["again"]), statistics.median(seconds["again-alone"])
    return [
        Result(
            f"alerts run, {subscribers} subscribers + ECEI_NOTIFY vs ECEI_NOTIFY alone",
            ours,
            theirs,
            "s",
            "report",
            note,
        ),
        Result(
            f"alerts run the same day again (nothing new), {subscribers} subscribers vs none",
            again,
            again_alone,
            "s",
            "report",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--countries", type=int, default=48)
    ap.add_argument("--rows", type=int, default=27, help="clusters per country")
    ap.add_argument("--subscribers", type=int, default=48)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ecei-bench-") as tmp:
        for r in subscription_runs(Path(tmp), a.countries, a.rows, a.subscribers, a.repeat):
            print(line(r))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("ECEI_POLITE", "false")
    sys.exit(main())
