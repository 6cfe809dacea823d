"""How the CLI tests run `ecei`: as a user does, a real process with its exit code and output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ECEI = str(Path(sys.executable).with_name("ecei"))


def ecei(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, wide: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run `ecei ARGS`; `wide` makes rich tables keep each row on one line (200 columns)."""
    if wide:
        env = {**(env or os.environ), "COLUMNS": "200"}
    return subprocess.run([ECEI, *args], capture_output=True, text=True, timeout=180, cwd=cwd, env=env)
