"""The ClusterRow contract: what is cleaned, what is refused."""

from __future__ import annotations

import datetime as dt
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import HttpUrl, TypeAdapter, ValidationError

from pipelines import contract
from pipelines.contract import ClusterRow, normalise_website, reasons

ROW = {"country": "Norway", "country_id": "abc-1", "name": "A", "portfolio": "ICT", "valid_until": "2018/09/19"}


def make(**changes: object) -> ClusterRow:
    return ClusterRow(**{**ROW, **changes})


def test_name_whitespace_and_nbsp_collapsed() -> None:
    assert make(name="  NCE\xa0 Seafood\n Cluster ").name == "NCE Seafood Cluster"


def test_name_nfc() -> None:
    assert make(name="Mo\u0308re").name == "M\u00f6re"


def test_name_required() -> None:
    with pytest.raises(ValidationError) as info:
        make(name=" \xa0 ")
    assert reasons(info.value) == "name: empty"


def test_portfolio_required() -> None:
    with pytest.raises(ValidationError):
        make(portfolio="")


def test_date_as_the_site_writes_it() -> None:
    assert make(valid_until="2018/09/19").valid_until == dt.date(2018, 9, 19)


def test_impossible_date_rejected() -> None:
    with pytest.raises(ValidationError) as info:
        make(valid_until="2021/02/30")
    assert "valid_until" in reasons(info.value)


def test_junk_date_rejected() -> None:
    with pytest.raises(ValidationError):
        make(valid_until="soon")


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("http://www.x.no", "http://www.x.no/"),
        ("https://x.no/path?q=1", "https://x.no/path?q=1"),
        ("www.x.no", "http://www.x.no/"),
        ("//www.x.no/", "http://www.x.no/"),
        ("javascript:alert(1)", None),
        ("mailto:a@x.no", None),
        ("junk", None),
        ("", None),
        ("   ", None),
        (None, None),
        ("ftp://x.no/", None),
    ],
)
def test_website(raw: str | None, stored: str | None) -> None:
    assert normalise_website(raw) == stored
    assert make(website=raw).website == stored


def test_country_id_required() -> None:
    with pytest.raises(ValidationError):
        make(country_id="")


def test_date_day_first_with_dots() -> None:
    assert make(valid_until="19.09.2018").valid_until == dt.date(2018, 9, 19)


def test_date_with_inner_spaces() -> None:
    assert make(valid_until=" 2018 / 09 / 19 ").valid_until == dt.date(2018, 9, 19)


HTTP_URL = TypeAdapter(HttpUrl)
URL_PARTS = st.sampled_from(
    ["http://", "https://", "HTTP://", "//", "ftp://", "", "www.", "WWW.", "xn--bcher-kva.", "bücher.", "Ø.", "a b."]
)


@settings(max_examples=400, deadline=None)
@given(
    scheme=URL_PARTS,
    host=st.from_regex(r"[A-Za-z0-9æøå-]{0,12}(\.[A-Za-z]{0,4}){0,2}", fullmatch=True),
    rest=st.sampled_from(
        ["", "/", "/a b", "/%zz", "?q=1&r=ø", "#frag", ":8080/x", ":99999", "/../x", "\\x", "/" + "a" * 2090]
    ),
)
def test_website_is_what_pydantic_httpurl_makes_of_it(scheme: str, host: str, rest: str) -> None:
    # the contract validates with HttpUrl's core schema directly: it must agree with HttpUrl itself
    raw = scheme + host + rest
    ours = normalise_website(raw)
    with patch.object(contract, "_URL", HTTP_URL):
        assert normalise_website(raw) == ours
