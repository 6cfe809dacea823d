"""The staging pipeline: every item a crawl yields reaches the stage folder, is counted in the
crawl's stats, and makes the progress event the refresh shows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler

from crawler.items import OverviewItem
from pipelines.stage import Stage
from pipelines.stage_run import StageRunPipeline
from pipelines.validate_rows import validate_page
from tests.stages import SITE, country_page, failure, link, raw_rows

NORWAY, ITALY = link("no-1", "Norway"), link("it-1", "Italy")


def run(folder: Path, progress: bool) -> tuple[StageRunPipeline, dict[str, object]]:
    crawler = get_crawler(settings_dict={"ECEI_STAGE_DIR": str(folder), "ECEI_PROGRESS": progress})
    pipeline = StageRunPipeline.from_crawler(crawler)

    page = country_page(NORWAY, [*raw_rows(2), *raw_rows(1, start=3)])
    page.rows[2].name = None  # quarantined
    validate_page(page)
    pipeline.open_spider()
    for item in (OverviewItem(SITE, 3, 2, [NORWAY, ITALY], 1), page, failure(ITALY, "HTTP 503")):
        assert pipeline.process_item(item) is item
    pipeline.close_spider()
    return pipeline, crawler.stats.get_stats()


def test_every_item_reaches_the_stage(tmp_path: Path) -> None:
    run(tmp_path, progress=False)
    stage = Stage(tmp_path)
    assert [p["kind"] for p in stage.read_pages()] == ["overview", "country", "failure"]
    assert [r["row_number"] for r in stage.read_rejected()] == [3]
    assert len(stage.rows.read_bytes().splitlines()) == 2


def test_the_crawl_stats_count_pages_and_rows(tmp_path: Path) -> None:
    _, stats = run(tmp_path, progress=False)
    assert stats["ecei/pages_failed"] == 1
    assert (stats["ecei/rows_seen"], stats["ecei/rows_loaded"], stats["ecei/rows_rejected"]) == (3, 2, 1)


def test_progress_goes_to_stdout_one_event_a_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(tmp_path, progress=True)
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert events == [
        {"event": "overview", "countries": 2, "stated": 3},
        {"event": "page", "url": NORWAY.url, "ok": True, "country": "Norway", "rows": 3},
        {"event": "page", "url": ITALY.url, "ok": False, "reason": "HTTP 503"},
    ]


def test_without_progress_stdout_stays_quiet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(tmp_path, progress=False)
    assert capsys.readouterr().out == ""


def test_without_a_stage_folder_the_pipeline_refuses_to_start() -> None:
    with pytest.raises(ValueError, match="ECEI_STAGE_DIR is not set"):
        StageRunPipeline.from_crawler(get_crawler())
