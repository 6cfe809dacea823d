"""The crawler's own config: a JSON round trip that keeps every value and its type, and refuses
what it was not written as."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from crawler.config import CrawlConfig, CrawlOutputs

OUTPUTS = CrawlOutputs(fetches="f.jsonl", bodies="b", summary="s.json")


def config(**changes: object) -> CrawlConfig:
    values: dict[str, object] = {
        "start_url": "http://127.0.0.1:8000/benchmarked-clusters",
        "user_agent": "ecei-watch/test",
        "retry_times": 2,
        "download_timeout": 7.5,
        "concurrent_requests": 1,
        "polite": False,
        "download_delay": 0.25,
        "crawl_timeout": 0.0,
        "parse_workers": 0,
        "max_retry_after": 60.0,
        "max_page_bytes": 64 * 2**20,
        "outputs": OUTPUTS,
    }
    return CrawlConfig(**{**values, **changes})  # type: ignore[arg-type]


def test_round_trip_keeps_every_value() -> None:
    original = config()
    assert CrawlConfig.from_json(original.to_json()) == original


def test_round_trip_keeps_the_outputs_typed() -> None:
    read = CrawlConfig.from_json(config().to_json())
    assert isinstance(read.outputs, CrawlOutputs)
    assert read.outputs.summary == "s.json"


def test_a_whole_number_read_for_a_float_field_is_a_float() -> None:
    text = config().to_json().replace('"download_timeout": 7.5', '"download_timeout": 30')
    read = CrawlConfig.from_json(text)
    assert read.download_timeout == 30.0 and isinstance(read.download_timeout, float)


def test_config_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        config().polite = True  # type: ignore[misc]


def _edited(**changes: object) -> str:
    values = json.loads(config().to_json())
    values.update(changes)
    return json.dumps({k: v for k, v in values.items() if v is not ...})


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (_edited(notify=["json://secret"]), "unknown field(s) ['notify']"),
        (_edited(user_agent=...), "missing field(s) ['user_agent']"),
        (_edited(retry_times="3"), "CrawlConfig.retry_times: expected int"),
        (_edited(retry_times=True), "CrawlConfig.retry_times: expected int"),
        (_edited(polite=1), "CrawlConfig.polite: expected bool"),
        (_edited(download_delay=None), "CrawlConfig.download_delay: expected float"),
        (_edited(outputs={"fetches": "f", "bodies": "b"}), "CrawlOutputs: missing field(s) ['summary']"),
        (_edited(outputs="f.jsonl"), "CrawlOutputs: expected a JSON object"),
        ("[1, 2]", "a crawl config is a JSON object"),
    ],
)
def test_what_was_not_written_by_to_json_is_refused(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=re.escape(why)):
        CrawlConfig.from_json(text)
