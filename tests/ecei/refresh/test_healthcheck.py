"""ECEI_HEALTHCHECK_URL: a real refresh of the mirror pings a real receiver, `/fail` when it did not
complete, and a monitor that is down or never answers costs a warning, never the run or a secret."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from ecei.beside import published_path
from ecei.demo.mirror import Fault, Mirror
from ecei.refresh.healthcheck import ping, ping_url, shown
from ecei.refresh.run import refresh
from ecei.settings import Settings
from tests.conftest import COUNTRY_PATH, NORWAY
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


def test_a_partial_refresh_pings_fail(settings: Settings, mirror: Mirror, webhook: Webhook) -> None:
    # the run merged what it saw and closed nothing: the monitor hears that it did not complete
    mirror.faults = {COUNTRY_PATH + NORWAY: Fault(status=404)}
    partial = refresh(settings.model_copy(update={"healthcheck_url": SecretStr(check_url(webhook))}))
    assert partial.status == "partial" and partial.run_id == 1 and partial.notices == []
    assert webhook.gets == [f"/ping/{SECRET}/fail"]


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


MALFORMED = f"http://[x/ping/{SECRET}"


def test_a_malformed_url_is_refused_by_the_settings_without_its_secret() -> None:
    with pytest.raises(ValueError) as refused:
        Settings(healthcheck_url=MALFORMED)
    assert "healthcheck_url" in str(refused.value) and SECRET not in str(refused.value)


def test_a_ping_that_breaks_is_a_warning_and_the_feeds_are_still_written(
    settings: Settings, mirror: Mirror, tmp_path: Path
) -> None:
    # a URL no ping can use that got past the settings (model_copy does not validate): the run that
    # merged stays ok, and the feeds after the ping are still written
    feeds = tmp_path / "feeds"
    broken = settings.model_copy(update={"healthcheck_url": SecretStr(MALFORMED), "feeds_dir": feeds})
    result = refresh(broken)
    assert result.status == "ok" and result.run_id == 1
    assert (feeds / "changes.atom").is_file()
    assert len(result.notices) == 1 and result.notices[0].startswith("healthcheck (a malformed URL): ")
    assert SECRET not in result.notices[0]


def test_a_failed_publish_and_feed_still_ping(
    settings: Settings, mirror: Mirror, webhook: Webhook, tmp_path: Path
) -> None:
    # every side effect on its own: the copy cannot be published (a folder holds its name), the feeds
    # cannot be written (a file holds the folder's), and the monitor still hears the run complete
    published_path(settings.db).parent.mkdir(parents=True, exist_ok=True)
    published_path(settings.db).mkdir()
    blocked = tmp_path / "feeds"
    blocked.write_text("a file, not a folder")
    watched = settings.model_copy(
        update={"healthcheck_url": SecretStr(check_url(webhook)), "feeds_dir": blocked / "inside"}
    )
    result = refresh(watched)
    assert result.status == "ok"
    assert webhook.gets == [f"/ping/{SECRET}"]
    assert len(result.notices) == 2
    assert "copy was not published" in result.notices[0] and result.notices[1].startswith("feeds ")
