"""The completeness rule: what a staged crawl amounts to, judged from its stage folder.

A run is complete (`ok`) only if every country page the overview links was read and the rows
seen add up to the total the overview states; a page that failed, a total that does not add up, a
crawl that stopped early or more rows quarantined than the share allowed (ECEI_MAX_REJECTED_SHARE:
a site that changed how it writes a cell would otherwise read as a complete, empty list) make it
`partial`; a crash, a layout change or an unreadable overview
make it `failed`. Only a complete run may close the versions of clusters it did not see. A
refresh judges the crawl it ran; a replay judges its archived pages read again, by the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecei.outcome import Status
from ecei.settings import DEFAULT_MAX_REJECTED_SHARE
from pipelines.stage import CountryRecord, FailureRecord, OverviewRecord, Stage
from warehouse.runs import RunFigures


@dataclass
class Verdict:
    """What the staged crawl amounts to: its figures, status and, when not ok, why."""

    status: Status  # ok, partial or failed
    figures: RunFigures
    problems: list[str] = field(default_factory=list)

    @property
    def message(self) -> str | None:
        return "; ".join(self.problems) or None


def assess(
    stage: Path,
    summary: dict[str, Any] | None,
    crash: str | None = None,
    max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE,
) -> Verdict:
    """Judge the crawl staged in `stage`, given how it ended (its summary) and, if its process
    crashed, why. More than `max_rejected_share` of the rows seen quarantined is partial."""
    pages = Stage(stage).read_pages()
    overview: OverviewRecord | None = next((p for p in pages if p["kind"] == "overview"), None)
    countries: list[CountryRecord] = [p for p in pages if p["kind"] == "country"]
    failures: list[FailureRecord] = [p for p in pages if p["kind"] == "failure"]
    figures = RunFigures(
        pages_fetched=(1 if overview else 0) + len(countries),
        pages_failed=len(failures),
        countries_listed=len(overview["countries"]) if overview else 0,
        countries_loaded=len({p["country_id"] for p in countries} - {f["country_id"] for f in failures}),
        stated_total=overview["stated_total"] if overview else None,
        stated_countries=overview["stated_countries"] if overview else None,
        rows_seen=sum(p["rows_seen"] for p in countries),
        rows_loaded=sum(p["rows_loaded"] for p in countries),
        rows_duplicate=sum(p["rows_duplicate"] for p in countries),
        rows_rejected=sum(p["rows_rejected"] for p in countries),
        websites_invalid=sum(p["websites_invalid"] for p in countries),
    )
    if crash:
        return Verdict(Status.FAILED, figures, [crash])
    if summary and summary.get("layout_error"):
        return Verdict(Status.FAILED, figures, [summary["layout_error"]])
    if overview is None:
        why = next((f["reason"] for f in failures if f["country_id"] is None), "no answer")
        return Verdict(Status.FAILED, figures, [f"the overview page could not be read: {why}"])

    problems = []
    if figures.stated_total is None:
        problems.append("the overview states no total ('The list includes N clusters ...' is missing)")
    if not overview["countries"]:
        problems.append("the overview links no country page")
    if figures.stated_countries is not None and figures.stated_countries != figures.countries_listed:
        problems.append(
            f"the overview states {figures.stated_countries} countries but links {figures.countries_listed}"
        )
    read = {p["country_id"] for p in countries}
    failed: dict[str, list[FailureRecord]] = {}
    for f in failures:
        if f["country_id"] is not None:
            failed.setdefault(f["country_id"], []).append(f)
    for link in overview["countries"]:
        country = link["name"] or link["country_id"]
        # any page of a country that failed (a later page of a paginated list too) leaves it incomplete
        for failure in failed.get(link["country_id"], []):
            problems.append(f"country {country} incomplete: {failure['reason']} ({failure['url']})")
        if link["country_id"] not in read and link["country_id"] not in failed:
            problems.append(f"country {country} incomplete: not fetched ({link['url']})")
    if figures.stated_total is not None and figures.rows_seen != figures.stated_total:
        problems.append(f"rows seen ({figures.rows_seen}) differ from the stated total ({figures.stated_total})")
    rejected, seen = figures.rows_rejected, figures.rows_seen
    if rejected > max_rejected_share * seen:
        problems.append(
            f"{rejected} of {seen} rows ({_percent(rejected / seen)}) were quarantined, "
            f"more than ECEI_MAX_REJECTED_SHARE ({_percent(max_rejected_share)}) allows"
        )
    reason = (summary or {}).get("finish_reason")
    if reason not in (None, "finished"):
        problems.append(f"the crawl stopped early: {reason}")
    return Verdict(Status.PARTIAL if problems else Status.OK, figures, problems)


def _percent(share: float) -> str:
    """0.1 as `10%`, 1/75 as `1.3%`."""
    return f"{share * 100:.1f}".removesuffix(".0") + "%"
