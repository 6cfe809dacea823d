"""What publishing the read-only copy costs (ecei.outputs.publish): its size and how long one publish takes.

    .venv/bin/python -m bench.publish DB [--rounds 5]

DB is a warehouse (e.g. one `ecei demo build` made, or a refresh of bench/generate.py's mirror); it
is copied to a temporary folder first, and the copy is published `--rounds` times: the checkpoint,
the byte copy, the fsync and the rename, as every write does before it returns.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
from pathlib import Path

from ecei.outputs.publish import publish


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("db", type=Path)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="ecei-bench-publish-") as tmp:
        db = Path(tmp) / a.db.name
        shutil.copyfile(a.db, db)
        times = [publish(db, busy_timeout=10).seconds for _ in range(a.rounds)]
        size = db.stat().st_size
    print(f"warehouse {size / 1e6:.1f} MB; publish median {statistics.median(times):.3f} s, "
          f"max {max(times):.3f} s over {a.rounds} rounds")  # fmt: skip


if __name__ == "__main__":
    main()
