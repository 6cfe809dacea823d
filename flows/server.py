"""Whether a Prefect server may be configured, known without Prefect (and without flows.schedules):
`ecei status` asks before it imports either, and says no server is configured when none may be."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def _mentions(path: Path, text: str) -> bool:
    try:
        return text in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def may_name_a_server() -> bool:
    """Whether PREFECT_API_URL may be set, known without Prefect: in the environment, in the profiles
    file Prefect reads (PREFECT_PROFILES_PATH, else PREFECT_HOME's or ~/.prefect's profiles.toml), or
    in a settings file of the working folder (prefect.toml, .env, pyproject.toml's [tool.prefect]);
    or Prefect is imported already, its settings perhaps a context's (a test harness): asking it then
    costs nothing more. False means no server is configured; True that Prefect must say which."""
    if "prefect" in sys.modules or os.environ.get("PREFECT_API_URL", "").strip():
        return True
    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect")
    profiles = Path(os.environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml")
    here = Path.cwd()
    return (
        _mentions(profiles, "PREFECT_API_URL")
        or (here / "prefect.toml").is_file()
        or _mentions(here / ".env", "PREFECT_")
        or _mentions(here / "pyproject.toml", "tool.prefect")
    )
