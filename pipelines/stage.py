"""The run stage, as a contract: the folder one crawl writes and the merge reads.

A stage folder holds:
- `rows.jsonl`: one row record per accepted row, its columns and DuckDB types in `ROW_COLUMNS`;
- `rejected.jsonl`: the quarantine, `REJECTED_COLUMNS`;
- `pages.jsonl`: one record per page read or failed (`OverviewRecord`, `CountryRecord`, `FailureRecord`);
- `fetches.jsonl` and `bodies/<sha256>`: every answer the crawl received (crawler/archive_pages.py);
- `summary.json`: how the crawl ended (crawler/run.py).

This module owns all of it: the names, the row record and its splicing, the writer (`RunStage`)
and the readers (`Stage`). The crawler may import no other project package, so it is handed the
names of the three files it writes itself in its config (`CRAWL_OUTPUTS` goes into
`CrawlConfig.outputs`); it declares none. Nobody else opens a stage file by name: they read it
through `Stage`, and the merge types its read_json with `ROW_COLUMNS` and `REJECTED_COLUMNS`.
Scrapy is not imported here, so the warehouse may read the columns.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any, Literal, Protocol, Self, TypedDict

import orjson

from crawler.config import CrawlOutputs
from crawler.items import CountryPageItem, OverviewItem, PageFailure
from pipelines.contract import ClusterRow
from pipelines.keys import country_key, name_key

ROWS = "rows.jsonl"
REJECTED = "rejected.jsonl"
PAGES = "pages.jsonl"
FETCHES = "fetches.jsonl"
BODIES = "bodies"
SUMMARY = "summary.json"
CRAWL_OUTPUTS = CrawlOutputs(fetches=FETCHES, bodies=BODIES, summary=SUMMARY)

# a row record, in the order it is written: where it was read (put in front by the writer), the
# ClusterRow's fields as its serialiser writes them, then its identity key (row_record)
ROW_COLUMNS: dict[str, str] = {
    "page_url": "VARCHAR",
    "row_number": "INTEGER",
    "country": "VARCHAR",
    "country_id": "VARCHAR",
    "name": "VARCHAR",
    "portfolio": "VARCHAR",
    "valid_until": "DATE",
    "website": "VARCHAR",
    "country_key": "VARCHAR",
    "name_key": "VARCHAR",
}
# a rejected record: where it was read, the row as the page showed it, why, and the identity key of
# its cluster where the raw row gives one (rejected_record): a row seen keeps its cluster listed
REJECTED_COLUMNS: dict[str, str] = {
    "page_url": "VARCHAR",
    "row_number": "INTEGER",
    "raw": "JSON",
    "reason": "VARCHAR",
    "country_key": "VARCHAR",
    "name_key": "VARCHAR",
}

_SERIALISER = ClusterRow.__pydantic_serializer__


def row_record(row: ClusterRow) -> bytes:
    """The row's fields and its key as one JSON object: what the stage holds, less where it was read.

    Equal records are the same row (pipelines/dedupe_rows.py compares them).
    """
    country_key, name_key = row.key
    fields = _SERIALISER.to_json(row)  # pydantic-core's own serialiser: several times a dict's pace
    return b'%b,"country_key":%b,"name_key":%b}' % (fields[:-1], orjson.dumps(country_key), orjson.dumps(name_key))


def rejected_record(page_url: str, rejected: dict[str, Any]) -> dict[str, Any]:
    """A quarantined row as the stage holds it: `rejected` ({row_number, raw, reason}) with where it
    was read in front and its cluster's key behind, from the page's country id and the raw name;
    a key is None when its part is empty (no name: no cluster can be told), else the key
    the row would have had."""
    raw = rejected["raw"]
    country_id, name = raw.get("country_id"), raw.get("name")
    return {
        "page_url": page_url,
        **rejected,
        # the key an accepted row would have, even an empty one (an id of dashes only is a valid id)
        "country_key": country_key(country_id) if isinstance(country_id, str) and country_id.strip() else None,
        "name_key": (name_key(name) or None) if isinstance(name, str) else None,
    }


class Accepted(Protocol):
    """A row to stage (pipelines.validate_rows.AcceptedRow): its number on the page and its row_record."""

    @property
    def row_number(self) -> int: ...
    @property
    def record(self) -> bytes: ...


def staged_rows(page_url: str, rows: Iterable[Accepted]) -> bytes:
    """The lines of `rows.jsonl` for a page's rows: each row_record with where it was read in front."""
    url = orjson.dumps(page_url)
    return b"".join([b'{"page_url":%b,"row_number":%d,%b\n' % (url, r.row_number, r.record[1:]) for r in rows])


class OverviewRecord(TypedDict):
    kind: Literal["overview"]
    url: str
    stated_total: int | None
    stated_countries: int | None
    countries: list[dict[str, str]]  # crawler.pages.CountryLink: country_id, name, url
    offsite_links: int


class CountryRecord(TypedDict):
    kind: Literal["country"]
    url: str
    country_id: str
    country: str
    headers: list[str]
    rows_seen: int
    rows_loaded: int
    rows_rejected: int
    rows_duplicate: int
    websites_invalid: int


class FailureRecord(TypedDict):
    kind: Literal["failure"]
    url: str
    country_id: str | None  # None: the overview failed
    country: str | None
    reason: str


PageRecord = OverviewRecord | CountryRecord | FailureRecord


class RunStage:
    """The writer of a stage folder: rows, quarantine and one record per page, as JSON lines."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files: dict[str, IO[str]] = {}

    def open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for name in (REJECTED, PAGES):
            self.files[name] = (self.folder / name).open("w", encoding="utf-8")
        # the rows are most of what a crawl stages: written as bytes by orjson, several times json's pace
        self.rows = (self.folder / ROWS).open("wb")

    def close(self) -> None:
        for f in self.files.values():
            f.close()
        self.rows.close()

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _page(self, record: PageRecord) -> None:
        self.files[PAGES].write(json.dumps(record, ensure_ascii=False) + "\n")
        self.files[PAGES].flush()

    def add(self, item: Any) -> dict[str, Any] | None:
        """Stage one item; returns the progress event it makes, if any."""
        if isinstance(item, OverviewItem):
            self._page(
                {
                    "kind": "overview",
                    "url": item.url,
                    "stated_total": item.stated_total,
                    "stated_countries": item.stated_countries,
                    "countries": [asdict(c) for c in item.countries],
                    "offsite_links": item.offsite_links,
                }
            )
            return {"event": "overview", "countries": len(item.countries), "stated": item.stated_total}
        if isinstance(item, PageFailure):
            self._page(
                {
                    "kind": "failure",
                    "url": item.url,
                    "country_id": item.country_id,
                    "country": item.country,
                    "reason": item.reason,
                }
            )
            return {"event": "page", "url": item.url, "ok": False, "reason": item.reason}
        if isinstance(item, CountryPageItem):
            self._stage_country(item)
            return {"event": "page", "url": item.url, "ok": True, "country": item.country, "rows": len(item.rows)}
        return None

    def _stage_country(self, item: CountryPageItem) -> None:
        if item.accepted:
            self.rows.write(staged_rows(item.url, item.accepted))
        rejected = self.files[REJECTED]
        for r in item.rejected:
            rejected.write(json.dumps(rejected_record(item.url, r), ensure_ascii=False) + "\n")
        self._page(
            {
                "kind": "country",
                "url": item.url,
                "country_id": item.country_id,
                "country": item.country,
                "headers": item.headers,
                "rows_seen": len(item.rows),
                "rows_loaded": len(item.accepted),
                "rows_rejected": len(item.rejected),
                "rows_duplicate": item.duplicates,
                "websites_invalid": item.websites_invalid,
            }
        )


@dataclass(frozen=True)
class Stage:
    """The reader of a stage folder: where each file is, and what it holds."""

    folder: Path

    @property
    def rows(self) -> Path:
        return self.folder / ROWS

    @property
    def rejected(self) -> Path:
        return self.folder / REJECTED

    @property
    def pages(self) -> Path:
        return self.folder / PAGES

    @property
    def fetches(self) -> Path:
        return self.folder / FETCHES

    @property
    def bodies(self) -> Path:
        return self.folder / BODIES

    @property
    def summary(self) -> Path:
        return self.folder / SUMMARY

    def read_pages(self) -> list[PageRecord]:
        """Every page record, in the order the crawl staged them; none if nothing was staged."""
        return _read_jsonl(self.pages)

    def read_rejected(self) -> list[dict[str, Any]]:
        """The quarantined rows: page_url, row_number, raw (the row as the page showed it), reason,
        and the key of their cluster (country_key, name_key; None where the row gives none)."""
        return _read_jsonl(self.rejected)

    def read_summary(self) -> dict[str, Any] | None:
        """How the crawl ended (finish_reason, layout_error, stats), or None when it wrote none."""
        return json.loads(self.summary.read_text()) if self.summary.exists() else None

    def read_fetches(self) -> tuple[list[dict[str, Any]], dict[str, bytes]]:
        """The fetch records the crawl kept, and their bodies by sha256."""
        fetches = _read_jsonl(self.fetches)
        bodies = {}
        for fetch in fetches:
            sha = fetch.get("sha256")
            if sha and sha not in bodies:
                bodies[sha] = (self.bodies / sha).read_bytes()
        return fetches, bodies


def _read_jsonl(path: Path) -> list[Any]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
