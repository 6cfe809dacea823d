"""No request leaves the site: offsite country links, cluster websites and redirects, over loopback.

Two trap servers stand where the links point (another port of the same host, and another
loopback host); they must receive nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, suppress

import pytest

from crawler.pages import same_site
from ecei.demo.mirror import Fault, Mirror, demo_site, serve
from ecei.refresh.run import refresh
from ecei.settings import Settings
from tests.conftest import COUNTRY_PATH, ITALY, NORWAY


@pytest.fixture
def traps() -> Iterator[list[Mirror]]:
    with ExitStack() as stack:
        found = [stack.enter_context(serve(demo_site("2016-06")))]
        # a system without the whole 127/8 on loopback: the other-port trap still stands
        with suppress(OSError):
            found.append(stack.enter_context(serve(demo_site("2016-06"), host="127.0.0.2")))
        yield found


def test_same_site_is_host_without_www_and_port() -> None:
    site = "https://www.cluster-analysis.org/benchmarked-clusters"
    assert same_site("http://www.cluster-analysis.org/x", site)
    assert same_site("https://WWW.cluster-analysis.org:443/x", site)
    assert not same_site("https://www.cluster-analysis.org:8443/x", site)
    assert same_site("https://cluster-analysis.org/x", site)  # the site has used its bare and www. host
    assert not same_site("https://evil.www.cluster-analysis.org/x", site)
    assert not same_site("javascript:alert(1)", site)
    assert not same_site("ftp://www.cluster-analysis.org/x", site)


def test_no_request_leaves_the_site(settings: Settings, mirror: Mirror, traps: list[Mirror]) -> None:
    offsite = [f"{t.base_url}{COUNTRY_PATH}{ITALY}" for t in traps]
    protocol_relative = [u.removeprefix("http:") for u in offsite]
    links = "".join(f'<li><a href="{u}">Offsite {i}</a></li>' for i, u in enumerate(offsite + protocol_relative))

    def add_links(body: bytes) -> bytes:
        return body.replace(b"</ul>\n</div>", links.encode() + b"</ul>\n</div>", 1)

    def point_websites_at_traps(body: bytes) -> bytes:
        return body.replace(b'href="http://www.', f'href="{traps[0].base_url}/www.'.encode())

    mirror.faults = {
        "/benchmarked-clusters": Fault(rewrite=add_links),
        COUNTRY_PATH + NORWAY: Fault(rewrite=point_websites_at_traps),
        COUNTRY_PATH + ITALY: Fault(status=302, location=offsite[-1]),
    }
    result = refresh(settings)
    assert [t.requests for t in traps] == [[] for _ in traps]
    assert result.status == "partial"
    assert "Italy incomplete: off the site" in (result.message or "")
    assert result.figures.countries_listed == 4  # the offsite links are not countries of this site
