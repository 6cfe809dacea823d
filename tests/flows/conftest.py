"""One Prefect test server for the whole session, only for the flow tests (it takes seconds to start)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
from prefect.testing.utilities import prefect_test_harness


@pytest.fixture(scope="session", autouse=True)
def prefect_server() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as env:
        # the test server would phone home (no network here) and fight its own SQLite file over it
        env.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
        with prefect_test_harness(server_startup_timeout=120):
            yield


@pytest.fixture(autouse=True)
def fast_crawls(monkeypatch: pytest.MonkeyPatch) -> None:
    """The flows read their settings from the environment: the mirror is ours, no need to be polite."""
    for name, value in {"ECEI_POLITE": "false", "ECEI_RETRY_TIMES": "1", "ECEI_DOWNLOAD_TIMEOUT": "5"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ECEI_NOTIFY", raising=False)


def artifacts_of(flow_run_id: UUID) -> list[Any]:
    """The artifacts a flow run published (not the results Prefect stores as artifacts too)."""
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    return [a for a in found if a.key]
