"""Pages in other encodings, read as a browser reads them: a real refresh (a Scrapy crawl in its own
process) of the mirror on loopback, whose Spain page is served re-encoded, with the Content-Type
header a server would send. A page that decodes is the same list; bytes that do not decode
quarantine their rows, which keep their clusters listed and are never read as renames."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from ecei.alerts.run import run_alerts
from ecei.demo.mirror import Fault, Mirror, demo_site
from ecei.refresh.result import RefreshResult
from ecei.refresh.run import refresh
from ecei.settings import Settings
from tests.conftest import COUNTRY_PATH, query

SPAIN = "cfd9dc5b-2dd5-490a-baae-c3cb31eaa7d4"
SNAPSHOT = "2016-06"
# the Spain page's two names that are not ASCII
ACCENTED = ["AEI Automoción de la Rioja", "Agrupació d’Empreses Innovadores Tèxtils"]


def spain_page() -> str:
    text = (demo_site(SNAPSHOT) / "country" / f"{SPAIN}.html").read_text(encoding="utf-8")
    assert all(name in text for name in ACCENTED)
    return text


def served(settings: Settings, mirror: Mirror, body: bytes, content_type: str) -> RefreshResult:
    mirror.faults = {COUNTRY_PATH + SPAIN: Fault(body=body, headers={"Content-Type": content_type})}
    return refresh(settings)


def open_versions(settings: Settings) -> list[tuple[object, ...]]:
    return query(settings.db, "select * from versions where valid_to is null order by all")


def no_change(result: RefreshResult) -> None:
    f = result.figures
    assert result.status == "ok", result.message
    assert (f.pages_fetched, f.countries_loaded) == (5, 4)
    assert (
        result.recorded["added"],
        result.recorded["changed"],
        result.recorded["removed"],
        result.recorded["renamed"],
    ) == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("encode", "content_type"),
    [
        (lambda text: text.encode("utf-16"), "text/html"),  # a byte order mark, no charset
        (lambda text: text.encode("utf-16-le"), "text/html; charset=utf-16"),  # the header's label, no BOM
        (lambda text: text.encode("utf-16-be"), "text/html; charset=UTF-16BE"),
        (lambda text: text.replace('charset="utf-8"', 'charset="windows-1252"').encode("cp1252"), "text/html"),
        (lambda text: ("\ufeff" + text).encode("utf-8"), "text/html; charset=windows-1252"),  # the BOM wins
    ],
    ids=["utf-16 with BOM", "utf-16 in the header", "utf-16be in the header", "windows-1252 in a meta", "BOM"],
)
def test_a_page_in_another_encoding_is_the_same_list(
    settings: Settings,
    mirror: Mirror,
    start_from: Callable[[str], None],
    encode: Callable[[str], bytes],
    content_type: str,
) -> None:
    start_from(SNAPSHOT)
    before = open_versions(settings)
    result = served(settings, mirror, encode(spain_page()), content_type)
    no_change(result)
    assert open_versions(settings) == before


def test_a_utf16_page_loads_into_an_empty_warehouse(settings: Settings, mirror: Mirror) -> None:
    result = served(settings, mirror, spain_page().encode("utf-16"), "text/html")
    assert result.status == "ok", result.message
    names = {r[0] for r in query(settings.db, "select name from versions where country = 'Spain' and valid_to is null")}
    assert set(ACCENTED) <= names


def test_bytes_that_do_not_decode_are_quarantined_never_renames(
    settings: Settings, mirror: Mirror, start_from: Callable[[str], None]
) -> None:
    # windows-1252 bytes served as UTF-8: each accented letter reads as U+FFFD, as in a browser
    start_from(SNAPSHOT)
    assert run_alerts(settings, today=dt.date(2016, 7, 1), notify=[]).status == "ok"  # the first run's alerts
    before = open_versions(settings)
    result = served(settings, mirror, spain_page().encode("cp1252"), "text/html; charset=utf-8")

    no_change(result)
    assert open_versions(settings) == before  # the accented names stay listed, as they were
    quarantined = query(
        settings.db, "select raw->>'name', reason from rejected_rows where run_id = ? order by 1", [result.run_id]
    )
    garbled = [(name, reason) for name, reason in quarantined if "U+FFFD" in reason]
    assert [name.replace("\ufffd", "?") for name, _ in garbled] == [
        "AEI Automoci?n de la Rioja",
        "Agrupaci? d?Empreses Innovadores T?xtils",
    ]
    assert all("(U+FFFD) in name" in reason for _, reason in garbled)
    assert not query(settings.db, "select * from versions where contains(name, chr(65533))")
    alerts = run_alerts(settings, today=dt.date(2016, 7, 1), notify=[])
    assert [a.kind for a in alerts.raised if a.kind in ("renamed", "delisted")] == []
