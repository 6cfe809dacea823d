"""`ecei check`: look at the live site the way the spider will, before the first refresh.

Fetches robots.txt, the overview and one country page with plain HTTP (the project's user agent
and the spider's limits: the download timeout, the page size limit, redirects on the site only),
parses them with the spider's own functions, and says what it found and whether a refresh would
work. Nothing is written.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from protego import Protego

from crawler.pages import LayoutChanged, parse_country, parse_overview, same_site
from ecei.settings import Settings

EXPECTED_HEADERS = ("Name", "Comparative portfolio", "www", "Label valid until")


class FetchFailed(Exception):
    """The page could not be fetched at all (no answer, refused, timed out)."""


@dataclass
class CheckResult:
    """What `ecei check` saw; `problems` is empty when a refresh should work."""

    start_url: str
    robots_url: str = ""
    robots: str = ""
    robots_allows: bool | None = None
    overview: str = ""
    stated_total: int | None = None
    stated_countries: int | None = None
    countries_linked: int | None = None
    country_url: str | None = None
    country_name: str | None = None
    country_page: str = ""
    headers: list[str] = field(default_factory=list)
    rows_on_page: int | None = None
    more_pages: int | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


_CHUNK = 64 * 1024


class _OnSite(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only on the start URL's site (host and port), as the spider does
    (crawler/onsite.py): another port is another site."""

    def __init__(self, site_url: str) -> None:
        super().__init__()
        self.site_url = site_url

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
        target = urljoin(req.full_url, newurl)
        if not same_site(target, self.site_url):
            raise FetchFailed(
                f"{req.full_url} redirects off the site to {target}: the spider refuses it "
                "(only the host and port of the start URL are crawled)"
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(url: str, settings: Settings) -> tuple[int, bytes, str | None]:
    """(status, body, charset of the Content-Type header) of one GET; an HTTP error status is an
    answer, not an exception. The charset is passed to the parser as the spider passes Scrapy's.

    The spider's limits hold: the whole answer within the download timeout (a server trickling a
    byte at a time never trips a socket timeout, so the fetch runs in a thread that is left behind),
    at most ECEI_MAX_PAGE_BYTES after decompression, redirects on the start URL's site only.
    """
    answer: list[tuple[int, bytes, str | None] | Exception] = []
    deadline = time.monotonic() + settings.download_timeout

    def get() -> None:
        try:
            answer.append(_get(url, settings, deadline))
        except Exception as exc:  # handed to the caller
            answer.append(exc)

    worker = threading.Thread(target=get, name="ecei-check-fetch", daemon=True)
    worker.start()
    worker.join(settings.download_timeout)
    if worker.is_alive() or not answer:
        raise FetchFailed(_late(url, settings))
    if isinstance(answer[0], Exception):
        raise answer[0]
    return answer[0]


def _late(url: str, settings: Settings) -> str:
    return f"{url}: timed out, no whole answer within {settings.download_timeout:g} s (ECEI_DOWNLOAD_TIMEOUT)"


def _get(url: str, settings: Settings, deadline: float) -> tuple[int, bytes, str | None]:
    request = urllib.request.Request(url, headers={"User-Agent": settings.user_agent})
    opener = urllib.request.build_opener(_OnSite(settings.start_url))
    try:
        with opener.open(request, timeout=settings.download_timeout) as response:
            body = _read(response, url, settings, deadline)
            return response.status, body, response.headers.get_content_charset()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, _read(exc, url, settings, deadline), None
    except urllib.error.URLError as exc:
        raise FetchFailed(f"{url}: {exc.reason}") from exc
    except (TimeoutError, OSError) as exc:  # a read that times out after the headers came
        raise FetchFailed(f"{url}: {exc or type(exc).__name__}") from exc


def _read(response: Any, url: str, settings: Settings, deadline: float) -> bytes:
    """The body, decompressed if the server compressed it anyway, held to the page size limit."""
    limit = settings.max_page_bytes
    encoding = (response.headers.get("Content-Encoding") or "identity").strip().lower()
    inflate = zlib.decompressobj(wbits=47) if encoding in ("gzip", "x-gzip", "deflate") else None  # 47: any header
    parts: list[bytes] = []
    size = 0
    while chunk := response.read(_CHUNK):
        if time.monotonic() > deadline:
            raise FetchFailed(_late(url, settings))
        if inflate is not None:
            try:
                chunk = inflate.decompress(chunk, limit + 1 - size)  # never more than the limit needs
            except zlib.error as exc:
                raise FetchFailed(f"{url}: the {encoding} body could not be decompressed: {exc}") from exc
        size += len(chunk)
        if size > limit:
            raise FetchFailed(
                f"{url}: the page is larger than the page size limit of {limit} bytes (ECEI_MAX_PAGE_BYTES)"
            )
        parts.append(chunk)
    return b"".join(parts)


def _robots(result: CheckResult, settings: Settings) -> Protego | None:
    parts = urlsplit(result.start_url)
    result.robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
    try:
        status, body, _ = fetch(result.robots_url, settings)
    except FetchFailed as exc:
        result.robots = f"unreachable ({exc}); the spider then crawls as if allowed"
        return None
    if not 200 <= status < 300:
        # Scrapy reads whatever robots.txt answers; an error page holds no rule, so all is allowed
        result.robots = f"HTTP {status}: no robots.txt rules, crawling allowed"
        return None
    result.robots = f"HTTP {status}, {len(body)} bytes"
    return Protego.parse(body.decode("utf-8", errors="replace"))


def _allowed(rules: Protego | None, url: str, settings: Settings) -> bool:
    return rules is None or rules.can_fetch(url, settings.user_agent)


def check_site(settings: Settings) -> CheckResult:
    """Fetch robots.txt, the overview and its first country page; judge what a refresh would meet."""
    result = CheckResult(start_url=settings.start_url)
    parts = urlsplit(settings.start_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        result.problems.append(f"the start URL {settings.start_url!r} is not an http(s) URL with a host")
        return result

    rules = _robots(result, settings)
    result.robots_allows = _allowed(rules, settings.start_url, settings)
    if not result.robots_allows:
        result.problems.append(
            f"robots.txt forbids {settings.start_url} to the user agent {settings.user_agent!r}: "
            "the spider obeys robots.txt and would fetch nothing"
        )
        return result

    try:
        status, body, charset = fetch(settings.start_url, settings)
    except FetchFailed as exc:
        result.overview = "unreachable"
        result.problems.append(f"the overview could not be fetched: {exc}")
        return result
    result.overview = f"HTTP {status}, {len(body)} bytes"
    if status != 200:
        result.problems.append(f"the overview answered HTTP {status}")
        return result
    overview = parse_overview(body, settings.start_url, charset)
    result.stated_total = overview.stated_total
    result.stated_countries = overview.stated_countries
    result.countries_linked = len(overview.countries)
    if overview.stated_total is None:
        result.problems.append(
            "the overview does not say 'The list includes N clusters from M countries': without the "
            "stated total no run can be judged complete, so every refresh would be partial"
        )
    if not overview.countries:
        result.problems.append("the overview links no country page (links with ?country=...): nothing to crawl")
        return result
    if overview.stated_countries is not None and overview.stated_countries != len(overview.countries):
        result.problems.append(
            f"the overview states {overview.stated_countries} countries but links {len(overview.countries)}: "
            "every refresh would be partial"
        )
    if overview.offsite_links:
        result.notes.append(f"{overview.offsite_links} country links point to another host and are not followed")

    link = overview.countries[0]
    result.country_url, result.country_name = link.url, link.name
    if not _allowed(rules, link.url, settings):
        result.problems.append(f"robots.txt forbids the country page {link.url}: the spider would skip every country")
        return result
    try:
        status, body, charset = fetch(link.url, settings)
    except FetchFailed as exc:
        result.country_page = "unreachable"
        result.problems.append(f"the country page of {link.name} could not be fetched: {exc}")
        return result
    result.country_page = f"HTTP {status}, {len(body)} bytes"
    if status != 200:
        result.problems.append(f"the country page of {link.name} answered HTTP {status}")
        return result
    try:
        table = parse_country(body, link.url, charset)
    except LayoutChanged as exc:
        result.headers = exc.headers
        result.problems.append(
            f"the cluster table's headers changed: the page shows {exc.headers}, the spider expects exactly "
            f"{list(EXPECTED_HEADERS)} (any order); every refresh would fail until crawler/pages.py is updated"
        )
        return result
    if table is None:
        result.problems.append(
            f"the country page of {link.name} has no table headed {list(EXPECTED_HEADERS)}: "
            "the spider would find no clusters"
        )
        return result
    result.headers = table.headers
    result.rows_on_page = len(table.rows)
    result.more_pages = len(table.more_pages)
    if not table.rows:
        result.notes.append(f"the cluster table of {link.name} has no rows")
    return result
