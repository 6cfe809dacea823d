"""Reading the page archive (ecei/rebuild/archive.py): typed rows of what a refresh kept, and one body."""

from __future__ import annotations

from ecei.demo.mirror import Mirror, demo_site
from ecei.rebuild.archive import kept_body, list_pages
from ecei.refresh.run import refresh
from ecei.settings import Settings


def test_list_and_show_what_two_refreshes_kept(settings: Settings, mirror: Mirror) -> None:
    assert refresh(settings).status == "ok"
    mirror.switch(demo_site("2018-10"))
    assert refresh(settings).status == "ok"

    listing = list_pages(settings)
    assert [p.run_id for p in listing.pages] == sorted(p.run_id for p in listing.pages)
    assert {p.run_id for p in listing.pages} == {1, 2}
    assert [p.seq for p in listing.pages if p.run_id == 2] == sorted(p.seq for p in listing.pages if p.run_id == 2)
    assert listing.storage is not None
    assert (listing.storage.answers, listing.storage.runs) == (len(listing.pages), 2)
    assert listing.storage.bodies <= listing.storage.answers  # a body is stored once, however often fetched

    second = list_pages(settings, run=2)
    assert second.pages == [p for p in listing.pages if p.run_id == 2]
    assert list_pages(settings, run=9).pages == []

    overview = next(p for p in second.pages if p.kind == "overview")
    latest = kept_body(settings, overview.url)
    assert latest is not None and (latest.run_id, latest.status) == (2, 200)
    assert latest.body == (demo_site("2018-10") / "overview.html").read_bytes()
    first = kept_body(settings, overview.url.rstrip("/") + "/", run=1)  # a final slash does not matter
    assert first is not None and first.body == (demo_site("2016-06") / "overview.html").read_bytes()
    assert kept_body(settings, "http://nowhere.example/") is None
