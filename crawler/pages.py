"""Read the overview and country pages of the Bronze Label database into raw values.

Nothing here cleans or validates: it finds the table by its header texts, maps cells by header
name, and returns the texts as the page shows them. lxml is used directly because building one
selector per cell costs several times the parse itself on large pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from lxml import etree

from crawler.workers import gc_paused

# header text (casefolded, whitespace collapsed) -> field name
KNOWN_HEADERS: dict[str, str] = {
    "name": "name",
    "comparative portfolio": "portfolio",
    "www": "www",
    "label valid until": "valid_until",
}
# A table sharing at least this many headers with KNOWN_HEADERS is the cluster table, changed or not.
_MIN_SHARED_HEADERS = 2
_HEADER_SEARCH_ROWS = 3

_STATED = re.compile(
    r"list\s+includes\s+(?P<clusters>\d[\d.,\s]*?)\s+clusters?\s+from\s+(?P<countries>\d[\d.,]*)\s+countr",
    re.IGNORECASE,
)
_SPACE = re.compile(r"\s+")
_TABLE_OPEN = re.compile(rb"<table[\s>/]", re.IGNORECASE)
_TABLE_CLOSE = re.compile(rb"</table\s*>", re.IGNORECASE)
# what hides markup from the parser, and what ends it (searched for once, from where it opened)
_HIDING = re.compile(rb"<!--|<script\b|<style\b", re.IGNORECASE)
_HIDDEN_UNTIL = {
    b"<!--": re.compile(rb"-->"),
    b"<script": re.compile(rb"</script\s*>", re.IGNORECASE),
    b"<style": re.compile(rb"</style\s*>", re.IGNORECASE),
}
_DEFAULT_PORTS = {"http": 80, "https": 443}


class LayoutChanged(Exception):
    """The cluster table's header is not the one the spider knows: stop before anything is written."""

    def __init__(self, url: str, headers: list[str]) -> None:
        self.url = url
        self.headers = headers
        known = ", ".join(repr(h) for h in ("Name", "Comparative portfolio", "www", "Label valid until"))
        super().__init__(f"page layout changed at {url}: table headers are {headers!r}, expected exactly {known}")


class PageUnreadable(Exception):
    """The parser gave up part way (e.g. tags nested too deep): what it returned is not the page."""

    def __init__(self, url: str, why: str) -> None:
        self.url = url
        self.why = why
        super().__init__(f"the page could not be parsed to its end: {why}")


@dataclass(frozen=True)
class CountryLink:
    country_id: str
    name: str
    url: str


@dataclass
class Overview:
    stated_total: int | None
    stated_countries: int | None
    countries: list[CountryLink] = field(default_factory=list)
    offsite_links: int = 0


@dataclass(slots=True)  # a large page makes many: slots make them smaller and quicker to build
class RawRow:
    """One table row as the page shows it; cells the row lacks are None."""

    row_number: int
    name: str | None
    portfolio: str | None
    www: str | None
    www_href: str | None
    valid_until: str | None
    extra_cells: list[str] = field(default_factory=list)


@dataclass
class CountryTable:
    headers: list[str]
    rows: list[RawRow]
    # further pages of the same country's list (pagination), absolute URLs on the same host
    more_pages: list[str] = field(default_factory=list)
    # the source closes fewer tables than it opens: the body was cut off, its last rows are missing
    cut_off: bool = False
    # what ParsePool's check made of the rows, when a worker parsed the page (crawler/parse_pool.py)
    checked: Any = None


def site_of(url: str) -> tuple[str, int | None] | None:
    """(host without `www.`, explicit non-default port) of an http(s) URL: what `same_site` compares;
    None otherwise. The site has moved between its www. and bare host, and between http and https."""
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    return site_host(url), None if port == _DEFAULT_PORTS[parts.scheme] else port


def same_site(url: str, site_url: str) -> bool:
    """Same host and port as `site_url` (http and https alike): another port is another site."""
    site = site_of(url)
    return site is not None and site == site_of(site_url)


def _markup(data: bytes) -> Iterator[bytes]:
    """The stretches of the page outside comments, scripts and styles. One pass: each hiding tag is
    found once and its end searched for once from there (a lazy `<!--.*?-->` retried at every
    unclosed `<!--` made this quadratic); an unclosed one hides the rest, as it does from lxml."""
    at = 0
    while (opened := _HIDING.search(data, at)) is not None:
        yield data[at : opened.start()]
        closed = _HIDDEN_UNTIL[opened.group().lower()].search(data, opened.end())
        if closed is None:
            return
        at = closed.end()
    yield data[at:]


def _cut_off(data: bytes) -> bool:
    opened = closed = 0
    for stretch in _markup(data):  # '<table' in a script or a comment opens nothing
        opened += len(_TABLE_OPEN.findall(stretch))
        closed += len(_TABLE_CLOSE.findall(stretch))
    return closed < opened


def site_host(url: str) -> str:
    """The site's host without a leading `www.`: the site has moved between the two forms."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def _text(el: etree._Element) -> str:
    if len(el) == 0:  # most cells hold bare text: skip the iterator
        return el.text or ""
    return "".join(el.itertext())


def _norm_header(text: str) -> str:
    return _SPACE.sub(" ", text.replace("\xa0", " ")).strip().casefold()


def _int(text: str) -> int:
    return int(re.sub(r"[^\d]", "", text))


def page_text(body: bytes, url: str, charset: str | None = None) -> str:
    """The page as a browser reads it, by Scrapy's own rules (TextResponse, on w3lib's html_to_unicode):
    its byte order mark, else `charset` (the Content-Type header's), else a <meta> or XML declaration,
    else detection. Bytes its encoding cannot read become U+FFFD, as in a browser: the pipelines
    quarantine a row that holds one (pipelines/validate_rows.py)."""
    from scrapy.http import TextResponse  # here, not at the top: a parse worker is sent text
    from w3lib.encoding import read_bom, resolve_encoding

    if charset and read_bom(body)[0] is None and resolve_encoding(charset) == "utf-16":
        charset = "utf-16le"  # the label utf-16 without a BOM is UTF-16LE to a browser (WHATWG), BE to Python
    headers = {"Content-Type": f"text/html; charset={charset}"} if charset else {}
    return TextResponse(url, body=body, headers=headers).text


def _utf8(html: bytes | str, url: str, charset: str | None) -> bytes:
    # the page once decoded (page_text), then as UTF-8, the encoding libxml2 reads fastest and is told
    text = page_text(html, url, charset) if isinstance(html, bytes) else html
    return text.encode("utf-8", "replace")


def parse_overview(html: bytes | str, url: str, encoding: str | None = None) -> Overview:
    """The stated totals and the country links of the overview page (PageUnreadable if cut short).
    A page given as bytes is read as page_text reads it, `encoding` being its header's charset."""
    doc = _document(_utf8(html, url, encoding), url)
    if doc is None:
        return Overview(None, None)
    text = _SPACE.sub(" ", _text(doc).replace("\xa0", " "))
    match = _STATED.search(text)
    overview = Overview(
        stated_total=_int(match["clusters"]) if match else None,
        stated_countries=_int(match["countries"]) if match else None,
    )
    seen: set[str] = set()
    for a in doc.iter("a"):
        href = a.get("href")
        if not href:
            continue
        absolute = urljoin(url, href.strip())
        parts = urlsplit(absolute)
        ids = parse_qs(parts.query).get("country")
        if not ids or not ids[0].strip():
            continue
        if not same_site(absolute, url):
            overview.offsite_links += 1
            continue
        country_id = ids[0].strip()
        same = country_id.replace("-", "").lower()  # dashed and undashed forms are one country
        if same in seen:
            continue
        seen.add(same)
        name = _SPACE.sub(" ", _text(a).replace("\xa0", " ")).strip()
        overview.countries.append(CountryLink(country_id, name, absolute))
    return overview


def _document(html: bytes, url: str) -> etree._Element | None:
    """The page's tree, from its text as UTF-8 (_utf8)."""
    if not html or not html.strip():
        return None
    # UTF-8 as decoded, whatever a <meta> in the page says; huge_tree: a 200 kB cell or deep nesting
    # is no reason to stop; a fatal error still is
    parser = etree.HTMLParser(encoding="utf-8", huge_tree=True)
    try:
        doc = etree.fromstring(html, parser, base_url=url)
    except (etree.ParserError, ValueError):
        return None
    if doc is None:
        return None
    # at a resource limit libxml2 stops and returns the tree so far: the rest of the page is missing
    # (other fatal errors, e.g. an unknown charset name, still give the whole tree)
    stopped = [e for e in parser.error_log.filter_from_fatals() if e.type_name == "ERR_RESOURCE_LIMIT"]
    if stopped:
        raise PageUnreadable(url, stopped[0].message.strip())
    # Only ever set texts to None or a plain space: lxml refuses to set a text holding a control
    # character (which a parsed page may well hold), so joining texts can raise.
    for hidden in doc.iter("script", "style", "template"):
        for child in list(hidden):  # their text is code, not something the page shows
            hidden.remove(child)
        hidden.text = None
    for br in doc.iter("br"):
        br.text = " "  # a line break separates words
    return doc


def _own_rows(table: etree._Element) -> list[etree._Element]:
    # the table's own rows only: a table nested in a cell keeps its rows to itself
    rows: list[etree._Element] = table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")
    return rows


# where the header is looked for: a proxy object for each of a large table's rows costs time
_FIRST_ROWS = etree.XPath(f"(./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr)[position() <= {_HEADER_SEARCH_ROWS}]")


def _cells(row: etree._Element) -> list[etree._Element]:
    return list(row.iterchildren("td", "th"))  # filtered in C: this runs for every row


def _header_row(rows: list[etree._Element]) -> tuple[int, list[str], list[str]] | None:
    """The header among a table's first rows (a caption row may come first): index, texts, keys."""
    for at, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        headers = [_SPACE.sub(" ", _text(c).replace("\xa0", " ")).strip() for c in _cells(row)]
        keys = [_norm_header(h) for h in headers]
        if sum(1 for k in keys if k in KNOWN_HEADERS) >= _MIN_SHARED_HEADERS:
            return at, headers, keys
    return None


def parse_country(html: bytes | str, url: str, encoding: str | None = None) -> CountryTable | None:
    """The cluster table of a country page, or None when the page has none. A page given as bytes is
    read as page_text reads it, `encoding` being its header's charset.

    Raises LayoutChanged when a table shares some but not all of the known headers, or has one
    more: the site changed its layout and nothing of this crawl may be trusted. Raises
    PageUnreadable when the parser gave up before the end of the page.
    """
    data = _utf8(html, url, encoding)
    doc = _document(data, url)
    if doc is None:
        return None
    for position, table in enumerate(doc.iter("table"), 1):
        found = _header_row(_FIRST_ROWS(table))
        if found is None:
            continue
        at, headers, keys = found
        if sorted(keys) != sorted(KNOWN_HEADERS):
            raise LayoutChanged(url, headers)
        columns = [KNOWN_HEADERS[k] for k in keys]
        parsed = _rows_as_text(doc, position, at + 1, columns)
        if parsed is None:
            rows = _own_rows(table)[at + 1 :]
            with_cells = [cells for cells in map(_cells, rows) if cells]  # a row without cells shows nothing
            parsed = [_row(number, cells, columns) for number, cells in enumerate(with_cells, 1)]
        return CountryTable(headers, parsed, _more_pages(doc, url), cut_off=_cut_off(data))
    return None


_COUNTRY_LINKS = etree.XPath("//a[contains(@href, 'country=')]")
_FIRST_PAGE = {"page": {"0", "1"}, "start": {"0"}, "offset": {"0"}, "p": {"0", "1"}}


def _more_pages(doc: etree._Element, url: str) -> list[str]:
    """Links to other pages of the same country's list: same host and path, same country, more query."""
    here = urlsplit(url)
    country = parse_qs(here.query).get("country", [""])[0]
    found: list[str] = []
    kept: set[str] = set()  # a pager of thousands of links: a list's `in` made this quadratic
    for a in _COUNTRY_LINKS(doc):  # most links on a long page are cluster websites: skipped in C
        href = (a.get("href") or "").strip()
        target = urlsplit(urljoin(url, href))
        query = parse_qs(target.query)
        same_page = same_site(target.geturl(), url) and target.path == here.path
        if not same_page or query.get("country", [""])[0] != country:
            continue
        extra = {k: v[0] for k, v in query.items() if k != "country"}
        if not extra or all(v in _FIRST_PAGE.get(k, set()) for k, v in extra.items()):
            continue  # the first page itself, linked from the pager
        absolute = target._replace(fragment="").geturl()
        if absolute != url and absolute not in kept:
            kept.add(absolute)
            found.append(absolute)
    return found


# Reading a large table element by element costs a Python object per cell; libxslt reads it in C
# into one string instead: first how many rows it writes, then per row each cell's text (its XPath
# string value, which is what _text gives) and a separator, the www cell's first link after its own
# separator, and the row's end. The separators are private-use characters: a page whose text holds
# one is read element by element, and so is a page with one in a link, which shows as a link
# holding a separator or as a row too many.
_CELL, _LINK, _ROW = "\ue000", "\ue001", "\ue002"
_PAGE_TEXT = etree.XPath("string(/)", smart_strings=False)
_TABLE_AS_TEXT = etree.XSLT(
    etree.XML(
        f"""<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:output method="text" encoding="utf-8"/>
<xsl:param name="table"/><xsl:param name="skip"/><xsl:param name="www"/>
<xsl:template match="/">
 <xsl:for-each select="(//table)[position() = $table]">
  <xsl:variable name="rows" select="(./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr)[position() > $skip][td or th]"/>
  <xsl:value-of select="count($rows)"/>
  <xsl:text>{_ROW}</xsl:text>
  <xsl:for-each select="$rows">
   <xsl:for-each select="td | th"><xsl:value-of select="."/><xsl:text>{_CELL}</xsl:text></xsl:for-each>
   <xsl:for-each select="((td | th)[position() = $www]//a[@href])[1]">
    <xsl:text>{_LINK}</xsl:text><xsl:value-of select="@href"/>
   </xsl:for-each>
   <xsl:text>{_ROW}</xsl:text>
  </xsl:for-each>
 </xsl:for-each>
</xsl:template>
</xsl:stylesheet>""".encode()
    )
)


def _rows_as_text(doc: etree._Element, table: int, skip: int, columns: list[str]) -> list[RawRow] | None:
    """The rows that have cells of the `table`-th table (from 1) after its first `skip`, read by
    libxslt; None when the page holds a separator character and must be read element by element."""
    page_text = _PAGE_TEXT(doc)
    if _CELL in page_text or _LINK in page_text or _ROW in page_text:
        return None
    www = str(columns.index("www") + 1)  # the header holds each known column exactly once
    written = str(_TABLE_AS_TEXT(doc.getroottree(), table=str(table), skip=str(skip), www=www))
    count, _, text = written.partition(_ROW)
    lines = text.split(_ROW)[:-1]
    if len(lines) != int(count):
        return None
    width = len(columns)
    cells_in_order = itemgetter(*(columns.index(c) for c in ("name", "portfolio", "www", "valid_until")))
    parsed = []
    with gc_paused():
        for number, line in enumerate(lines, 1):
            texts, linked, href = line.partition(_LINK)
            if linked and (_LINK in href or _CELL in href):
                return None
            cells = texts.split(_CELL)[:-1]  # the last cell's separator ends the list
            values: list[str | None] = [*cells, *[None] * (width - len(cells))]  # a cell past the row's end is None
            name, portfolio, shown, until = cells_in_order(values)
            parsed.append(RawRow(number, name, portfolio, shown, href if linked else None, until, cells[width:]))
    return parsed


def _row(number: int, cells: list[etree._Element], columns: list[str]) -> RawRow:
    texts = [_text(c) for c in cells]  # each cell read once
    values = dict(zip(columns, texts, strict=False))
    href = None
    if "www" in values:
        cell = cells[columns.index("www")]
        if len(cell):  # a bare-text cell holds no link
            href = next((a.get("href") for a in cell.iter("a") if a.get("href") is not None), None)
    return RawRow(
        row_number=number,
        name=values.get("name"),
        portfolio=values.get("portfolio"),
        www=values.get("www"),
        www_href=href,
        valid_until=values.get("valid_until"),
        extra_cells=texts[len(columns) :],
    )
