"""What one crawl needs to know, as plain typed values: the crawler's own config.

The caller builds a `CrawlConfig` (ecei builds it from its settings, secrets left out) and hands it
to the crawl process as JSON (`crawler/run.py`). The crawler imports no other project package, so
the names of the files it writes into the stage folder itself are given to it too (`CrawlOutputs`):
the stage's layout has one owner, `pipelines/stage.py`, which names them.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Self


@dataclass(frozen=True, slots=True, kw_only=True)
class CrawlOutputs:
    """The names, inside the stage folder, of what the crawl writes itself."""

    fetches: str  # one JSON line per answer received (crawler/archive_pages.py)
    bodies: str  # the folder of the answers' bodies, one file per sha256
    summary: str  # the crawl's summary: finish reason, layout error, stats (crawler/run.py)


@dataclass(frozen=True, slots=True, kw_only=True)
class CrawlConfig:
    """How to crawl: where to start, how politely, for how long, and where the crawl's own files go."""

    start_url: str
    user_agent: str
    retry_times: int
    download_timeout: float
    concurrent_requests: int
    polite: bool  # False turns off AutoThrottle and download delays (never robots.txt)
    download_delay: float
    crawl_timeout: float  # 0 = no limit
    parse_workers: int  # processes that parse and validate large pages beside the crawl; 0 = none
    max_retry_after: float  # longest Retry-After waited out before a retry
    max_page_bytes: int  # a larger page (after decompression) is a page failure, never held whole
    outputs: CrawlOutputs

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Self:
        """The config `to_json` wrote; a missing, unknown or mistyped field raises ValueError."""
        values = json.loads(text)
        if not isinstance(values, dict):
            raise ValueError("a crawl config is a JSON object")
        values["outputs"] = CrawlOutputs(**_checked(CrawlOutputs, values.get("outputs")))
        return cls(**_checked(cls, values))


# what a JSON value may be for each field type named in the annotations above (bool is not an int here)
_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "CrawlOutputs": (CrawlOutputs,),
}


def _checked(kind: type, values: Any) -> dict[str, Any]:
    if not isinstance(values, dict):
        raise ValueError(f"{kind.__name__}: expected a JSON object, got {values!r}")
    fields = {f.name: f.type for f in dataclasses.fields(kind)}
    if unknown := values.keys() - fields.keys():
        raise ValueError(f"{kind.__name__}: unknown field(s) {sorted(unknown)}")
    if missing := fields.keys() - values.keys():
        raise ValueError(f"{kind.__name__}: missing field(s) {sorted(missing)}")
    for name, annotation in fields.items():
        value, allowed = values[name], _JSON_TYPES[str(annotation)]
        if (isinstance(value, bool) and bool not in allowed) or not isinstance(value, allowed):
            raise ValueError(f"{kind.__name__}.{name}: expected {annotation}, got {value!r}")
    return {name: float(v) if fields[name] == "float" else v for name, v in values.items()}
