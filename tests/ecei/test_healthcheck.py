"""ECEI_HEALTHCHECK_URL: a real refresh of the mirror pings a real receiver, `/fail` when it did not
complete, and a monitor that is down or never answers costs a warning, never the run or a secret."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from ecei.healthcheck import ping, ping_url, shown
from ecei.mirror import Fault, Mirror
from ecei.refresh import refresh
from ecei.settings import Settings
from tests.receivers import Webhook

SECRET = "5f1b3e2a-0000-4c1d-9a7e-SECRET"


def check_url(hook: Webhook) -> str:
    return f"http://127.0.0.1:{hook.port}/ping/{SECRET}"


@pytest.mark.parametrize(
    ("status", "path"),
    [("ok", "/ping/x"), ("partial", "/ping/x/fail"), ("failed", "/ping/x/fail"), ("refused", "/ping/x/fail")],
)
def test_each_outcome_pings_its_url(status: str, path: str) -> None:
    assert ping_url("https://hc-ping.example/ping/x", status) == "https://hc-ping.example" + path
    # a trailing slash is no second path segment: `<URL>/fail`, not `<URL>//fail`
    assert ping_url("https://hc-ping.example/ping/x/", status) == "https://hc-ping.example" + path.replace(
        "/ping/x", "/ping/x/" if status == "ok" else "/ping/x"
    )


def test_a_busy_refresh_pings_nothing() -> None:
    assert ping_url("https://hc-ping.example/ping/x", "busy") is None


def test_a_url_is_shown_without_its_secret() -> None:
    assert shown(f"https://user:pw@hc-ping.example/ping/{SECRET}?k=v") == "https://hc-ping.example"


def test_a_complete_refresh_pings_and_a_failed_one_pings_fail(
    settings: Settings, mirror: Mirror, webhook: Webhook
) -> None:
    watched = settings.model_copy(update={"healthcheck_url": SecretStr(check_url(webhook))})
    assert refresh(watched).status == "ok"
    mirror.faults = {"/benchmarked-clusters": Fault(status=503)}
    failed = refresh(watched)
    assert failed.status == "failed" and failed.notices == []
    assert webhook.gets == [f"/ping/{SECRET}", f"/ping/{SECRET}/fail"]


def test_a_monitor_that_refuses_is_a_warning_that_names_no_secret(
    settings: Settings, mirror: Mirror, webhook: Webhook
) -> None:
    webhook.fail = 1
    result = refresh(settings.model_copy(update={"healthcheck_url": SecretStr(check_url(webhook))}))
    assert result.status == "ok" and result.run_id == 1
    assert result.notices == [f"healthcheck http://127.0.0.1:{webhook.port}: answered HTTP 500"]
    assert SECRET not in " ".join(result.notices)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that takes connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def test_a_monitor_that_never_answers_does_not_hold_the_refresh(silent_port: int) -> None:
    why = ping(f"http://127.0.0.1:{silent_port}/ping/{SECRET}", "ok", timeout=0.5)
    assert why is not None and why.startswith(f"healthcheck http://127.0.0.1:{silent_port}")
    assert SECRET not in why
