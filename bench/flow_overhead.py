"""Wall time of refresh_flow against the plain refresh() it wraps, on the demo mirror.

    .venv/bin/python bench/flow_overhead.py [--runs 3]

Both crawl the 2018-10 demo snapshot (served on loopback, not polite) into fresh warehouses; the
flow runs against a temporary Prefect server (prefect_test_harness), as under `ecei serve`.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from prefect.testing.utilities import prefect_test_harness

from ecei.demo.mirror import demo_site, serve
from ecei.refresh.run import refresh
from ecei.settings import Settings
from flows import refresh_flow


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    plain, flowed = [], []
    with serve(demo_site("2018-10")) as mirror, tempfile.TemporaryDirectory() as tmp:
        settings = Settings(start_url=mirror.start_url, polite=False)
        with prefect_test_harness(server_startup_timeout=180):
            refresh_flow(start_url=mirror.start_url, db_path=str(Path(tmp) / "warm.duckdb"))  # warm-up
            for i in range(runs):
                started = time.perf_counter()
                assert refresh(settings.model_copy(update={"db": Path(tmp) / f"plain{i}.duckdb"})).status == "ok"
                plain.append(time.perf_counter() - started)
                started = time.perf_counter()
                state = refresh_flow(
                    start_url=mirror.start_url, db_path=str(Path(tmp) / f"flow{i}.duckdb"), return_state=True
                )
                flowed.append(time.perf_counter() - started)
                assert state.is_completed()
    p, f = statistics.median(plain), statistics.median(flowed)
    print(f"plain refresh():  median {p:.2f} s of {[round(x, 2) for x in plain]}")
    print(f"refresh_flow():   median {f:.2f} s of {[round(x, 2) for x in flowed]}")
    print(f"flow overhead:    {f - p:+.2f} s ({(f - p) / p:+.0%})")


if __name__ == "__main__":
    main()
