"""refresh_flow: a crawl and merge as a Prefect flow run, published as a markdown artifact.

Thin over `ecei.refresh.run.refresh`, which already runs the crawl in a child process of its own.
A failed crawl fails the flow run; a partial one completes, with a warning in the artifact and log.
"""

from __future__ import annotations

from typing import Any

from prefect import State, flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed

from ecei import run_figures
from ecei.outcome import Status
from ecei.refresh.result import RefreshResult
from ecei.refresh.run import refresh
from ecei.settings import Settings
from flows.catchup import superseded
from flows.report import refresh_markdown


class RefreshFailed(RuntimeError):
    """The crawl failed: nothing was written (crawl_runs says why)."""


class RefreshBusy(RuntimeError):
    """Another refresh holds the warehouse; worth trying again shortly."""


def flow_settings(start_url: str | None = None, db_path: str | None = None) -> Settings:
    """Settings from the environment, with the flow's parameters on top."""
    overrides: dict[str, Any] = {"start_url": start_url, "db": db_path}  # validated (and converted) by Settings
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


# Retried only when the refresh could not start (busy) or crashed outright. A crawl that ran and
# failed is not retried here: its pages were retried already, and the next schedule is the retry.
@task(name="crawl-and-merge", retries=2, retry_delay_seconds=[30, 120], cache_policy=NO_CACHE)
def crawl_and_merge(start_url: str | None, db_path: str | None) -> RefreshResult:
    result = refresh(flow_settings(start_url, db_path))
    if result.status == Status.BUSY:
        raise RefreshBusy(result.message)
    return result


@task(name="publish-summary", cache_policy=NO_CACHE)
def publish_summary(result: RefreshResult, busy_timeout: float) -> str:
    markdown = refresh_markdown(result, busy_timeout)
    create_markdown_artifact(
        key="ecei-refresh", markdown=markdown, description=f"refresh run {result.run_id}: {result.status}"
    )
    return markdown


@flow(name="ecei-refresh", log_prints=False)
def refresh_flow(start_url: str | None = None, db_path: str | None = None) -> dict[str, object] | State:
    """Crawl the registry and merge it into the warehouse; publishes a markdown artifact."""
    logger = get_run_logger()
    skip = superseded()
    if skip:
        logger.info(skip)
        return Completed(name="Skipped", message=skip)
    settings = flow_settings(start_url, db_path)
    result = crawl_and_merge(start_url, db_path)
    publish_summary(result, settings.busy_timeout)
    summary: dict[str, object] = {
        "run_id": result.run_id,
        "status": result.status,
        "message": result.message,
        **result.shown_figures(),
    }
    line = f"refresh run {result.run_id}: {result.status}; {run_figures.one_line(result.shown_figures())}"
    for notice in result.notices:  # after the run was recorded: the run's state stays its own
        logger.warning(notice)
    if result.status in (Status.FAILED, Status.REFUSED):  # refused: the clock is behind the last run, nothing written
        logger.error(f"{line}: {result.message}")
        raise RefreshFailed(f"refresh run {result.run_id} {result.status}: {result.message}")
    if result.status == Status.PARTIAL:
        logger.warning(f"{line}: {result.message}")
        return Completed(message=f"partial: {result.message}", data=summary)
    logger.info(line)
    return summary
