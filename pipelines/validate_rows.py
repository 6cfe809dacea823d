"""Validate every row of a country page against the ClusterRow contract.

A large page is validated where it was parsed, in a worker process beside the crawl
(crawler/parse_pool.py runs `check_in_worker`, which the settings name), so that its rows cross
between processes once; the pipeline then takes the verdict the page brings. Either way the
verdict is `check_rows`'.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple, Self

from pydantic import ValidationError

from crawler.items import CountryPageItem
from crawler.pages import RawRow
from crawler.workers import gc_paused
from pipelines.contract import ClusterRow, reasons
from pipelines.stage import row_record

if TYPE_CHECKING:  # a worker process imports this module, and needs none of Scrapy
    from scrapy.crawler import Crawler


class AcceptedRow(NamedTuple):
    """A row that kept the contract: its number on the page, its identity key and its staged form."""

    row_number: int
    key: tuple[str, str]
    record: bytes  # pipelines.stage.row_record: equal records are the same row


class Verdict(NamedTuple):
    accepted: list[AcceptedRow]
    rejected: list[dict[str, Any]]
    websites_invalid: int


def raw_values(item: CountryPageItem, row: RawRow) -> dict[str, Any]:
    """The row as the page showed it, which is what the quarantine keeps."""
    return _raw_values(item.country, item.country_id, row)


def _raw_values(country: str, country_id: str, row: RawRow) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "country": country,
        "country_id": country_id,
        "name": row.name,
        "portfolio": row.portfolio,
        "www": row.www,
        "www_href": row.www_href,
        "valid_until": row.valid_until,
    }
    if row.extra_cells:
        raw["extra_cells"] = row.extra_cells
    return raw


UNDECODED = "\ufffd"  # what a decoder puts for bytes its encoding cannot read (crawler.pages.page_text)


def undecoded(country: str, row: RawRow) -> list[str]:
    """The fields of a row holding U+FFFD: bytes that did not decode. Such a row is quarantined, never
    loaded: `Automoci\ufffdn` read as a new name would close `Automoción` as renamed."""
    fields = (("country", country), ("name", row.name), ("portfolio", row.portfolio), ("www", row.www))
    found = [name for name, value in fields if value and UNDECODED in value]
    found += [
        name
        for name, value in (("www link", row.www_href), ("valid_until", row.valid_until))
        if value and UNDECODED in value
    ]
    if any(UNDECODED in cell for cell in row.extra_cells):
        found.append("extra cells")
    return found


def check_rows(country: str, country_id: str, rows: list[RawRow]) -> Verdict:
    """Every row of a page against the contract: what is accepted, what is rejected and why."""
    accepted: list[AcceptedRow] = []
    rejected: list[dict[str, Any]] = []
    websites_invalid = 0
    with gc_paused():
        for row in rows:
            problems = []
            if None in (row.name, row.portfolio, row.www, row.valid_until):
                problems.append("row has fewer cells than the header")
            if row.extra_cells:
                problems.append(f"row has {len(row.extra_cells)} cell(s) more than the header")
            if garbled := undecoded(country, row):
                problems.append(f"bytes the page's encoding cannot read (U+FFFD) in {', '.join(garbled)}")
            website = row.www_href if row.www_href is not None else row.www
            try:
                cluster = ClusterRow(
                    country=country,
                    country_id=country_id,
                    name=row.name,
                    portfolio=row.portfolio,
                    valid_until=row.valid_until,
                    website=website,
                )
            except ValidationError as exc:
                problems.insert(0, reasons(exc))
                cluster = None
            if problems or cluster is None:
                raw = _raw_values(country, country_id, row)
                rejected.append({"row_number": row.row_number, "raw": raw, "reason": "; ".join(problems)})
                continue
            if cluster.website is None and website is not None and website.strip():
                websites_invalid += 1
            accepted.append(AcceptedRow(row.row_number, cluster.key, row_record(cluster)))
    return Verdict(accepted, rejected, websites_invalid)


def check_in_worker(country: str, country_id: str, rows: list[RawRow]) -> tuple[Any, ...]:
    """check_rows, its verdict as plain tuples: they cross between processes several times cheaper."""
    verdict = check_rows(country, country_id, rows)
    return [tuple(a) for a in verdict.accepted], verdict.rejected, verdict.websites_invalid


def from_worker(checked: tuple[Any, ...]) -> Verdict:
    accepted, rejected, websites_invalid = checked
    return Verdict([AcceptedRow(*a) for a in accepted], rejected, websites_invalid)


def apply(item: CountryPageItem, verdict: Verdict) -> None:
    item.accepted = verdict.accepted
    item.rejected = verdict.rejected
    item.websites_invalid = verdict.websites_invalid


def validate_page(item: CountryPageItem) -> None:
    """Fill the page's `accepted` and `rejected` rows and count its unusable websites, in this process.

    A plain function so that a replay of archived pages validates with exactly this code.
    """
    apply(item, check_rows(item.country, item.country_id, item.rows))


class ValidateRowsPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, CountryPageItem):
            return item
        if item.checked is not None:
            apply(item, from_worker(item.checked))  # validated by check_in_worker where it was parsed
        else:
            validate_page(item)
        self.stats.inc_value("ecei/rows_invalid", len(item.rejected))
        self.stats.inc_value("ecei/websites_invalid", item.websites_invalid)
        return item
