"""The read commands answer without what their answer does not need (bench/read_latency.py times them):
`ecei status` imports Prefect only when a Prefect server may be configured, and `status`, `history`
and `changes` import no pydantic while the environment sets no ECEI_ variable. Each is the real
command in a process of its own, its imports read from `python -X importtime`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.helpers import ECEI
from tests.receivers import free_port


def a_person(home: Path) -> dict[str, str]:
    """The environment of someone who configured nothing: no ECEI_ or PREFECT_ variable, a home of their own."""
    plain = {k: v for k, v in os.environ.items() if not k.upper().startswith(("ECEI_", "PREFECT_"))}
    return {**plain, "HOME": str(home), "COLUMNS": "120"}


def imported(args: list[str], env: dict[str, str], cwd: Path) -> set[str]:
    """The modules `ecei ARGS` imported, as -X importtime lists them."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", ECEI, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]  # the demo's data is stale: status exits 1
    lines = [line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")]
    return {name for name in lines if name and name != "package"}


def tops(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


@pytest.mark.parametrize(
    "args",
    [["status"], ["history", "Arena Legasea"], ["changes", "--since", "2018"]],
    ids=["status", "history", "changes"],
)
def test_a_read_imports_neither_prefect_nor_pydantic(args: list[str], dated_db: Path, tmp_path: Path) -> None:
    found = tops(imported([*args, "--db", str(dated_db)], a_person(tmp_path), tmp_path))
    assert "duckdb" in found and "ecei" in found  # it did answer
    assert not found & {"prefect", "pydantic", "pydantic_settings", "yaml", "apprise", "filelock"}


def test_status_asks_prefect_when_a_server_is_configured(dated_db: Path, tmp_path: Path) -> None:
    env = {**a_person(tmp_path), "PREFECT_API_URL": f"http://127.0.0.1:{free_port()}/api"}
    assert "prefect" in tops(imported(["status", "--db", str(dated_db)], env, tmp_path))


def test_a_server_may_be_configured_in_any_file_prefect_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.schedules import may_name_a_server

    for name in [n for n in os.environ if n.upper().startswith("PREFECT_")]:
        monkeypatch.delenv(name)
    import prefect  # noqa: F401 (loaded: its settings may be a context's, so it is asked)

    assert may_name_a_server()
    monkeypatch.delitem(sys.modules, "prefect")  # as in a process that has not loaded it
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    assert not may_name_a_server()
    monkeypatch.setenv("PREFECT_API_URL", " ")
    assert not may_name_a_server()  # set, and empty: no server
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    assert may_name_a_server()
    monkeypatch.delenv("PREFECT_API_URL")

    profiles = tmp_path / "home" / ".prefect" / "profiles.toml"
    profiles.parent.mkdir(parents=True)
    profiles.write_text('active = "local"\n[profiles.local]\nPREFECT_API_URL = "http://127.0.0.1:4200/api"\n')
    assert may_name_a_server()  # a profile of ~/.prefect
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "elsewhere"))
    assert not may_name_a_server()  # PREFECT_HOME moves the profiles away from ~/.prefect
    monkeypatch.setenv("PREFECT_PROFILES_PATH", str(profiles))
    assert may_name_a_server()
    monkeypatch.delenv("PREFECT_PROFILES_PATH")

    for name, text in [("prefect.toml", "[api]\nurl = 'http://x/api'\n"), (".env", "PREFECT_API_URL=http://x/api\n")]:
        (tmp_path / name).write_text(text)
        assert may_name_a_server(), name
        (tmp_path / name).unlink()
    (tmp_path / "pyproject.toml").write_text("[tool.prefect.api]\nurl = 'http://x/api'\n")
    assert may_name_a_server()
