"""Synthetic mirrors of the Bronze Label site at any size, and a second snapshot that changes some.

    python bench/generate.py OUT_DIR --countries 48 --rows 2084 [--changed 0.01] [--seed 1]

writes OUT_DIR/first and OUT_DIR/second, each a site folder that `ecei.demo.mirror.serve` can serve
(overview.html, country/<id>.html, robots.txt, routes.json). The second snapshot renews half of
the changed fraction (+3 years), reclassifies the other half, removes 0.5% and adds 0.5%.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import random
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

OVERVIEW = "/benchmarked-clusters"
PORTFOLIOS = [
    "Food industry", "Health and medical science", "ICT", "Energy", "Maritime technologies, water resources",
    "Biotechnology", "Construction", "Automotive", "Tourism", "Creative industries", "Logistics", "Textiles",
]  # fmt: skip
WORDS = [
    "Nordic", "Cluster", "Innovation", "Network", "Alliance", "Valley", "Digital", "Green", "Marine", "Smart",
    "Health", "Food", "Energy", "Mobility", "Wood", "Metal", "Bio", "Arena", "Hub", "Tech", "Region", "Forum",
    "Møre", "Ålesund", "Škoda", "Łódź", "Società", "Gesundheit", "BM³", "O’Neill", "Agro", "Plast", "Aero",
]  # fmt: skip
PREFIXES = ["NCE ", "GCE ", "Arena ", "", "", "", ""]


@dataclass(frozen=True)
class Row:
    name: str
    portfolio: str
    website: str | None
    valid_until: dt.date


@dataclass
class Country:
    id: str
    name: str
    rows: list[Row]


def _name(rng: random.Random, serial: int) -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 4)))
    return f"{rng.choice(PREFIXES)}{words} {serial}"


def _row(rng: random.Random, serial: int) -> Row:
    name = _name(rng, serial)
    website = None if rng.random() < 0.3 else f"http://www.cluster-{serial}.example/"
    until = dt.date(2012, 1, 1) + dt.timedelta(days=rng.randrange(0, 12 * 365))
    return Row(name, rng.choice(PORTFOLIOS), website, until)


def first_snapshot(countries: int, rows_per_country: int, seed: int = 1) -> list[Country]:
    rng = random.Random(seed)
    out = []
    serial = 0
    for c in range(countries):
        # both id forms the real site uses: dashed UUIDs and 32 hex digits
        cid = str(uuid.UUID(int=rng.getrandbits(128)))
        if c % 2:
            cid = cid.replace("-", "")
        rows = []
        for _ in range(rows_per_country):
            serial += 1
            rows.append(_row(rng, serial))
        out.append(Country(cid, f"Country {c:02d}", rows))
    return out


def second_snapshot(first: list[Country], changed: float, seed: int = 2) -> list[Country]:
    """Renew half of `changed`, reclassify the other half, remove 0.5% and add 0.5% of the rows."""
    rng = random.Random(seed)
    total = sum(len(c.rows) for c in first)
    serial = 10_000_000
    out = []
    for c in first:
        rows = []
        for r in c.rows:
            roll = rng.random()
            if roll < changed / 2:
                rows.append(
                    replace(
                        r,
                        valid_until=r.valid_until.replace(year=r.valid_until.year + 3, day=min(r.valid_until.day, 28)),
                    )
                )
            elif roll < changed:
                rows.append(replace(r, portfolio=rng.choice([p for p in PORTFOLIOS if p != r.portfolio])))
            elif roll < changed + 0.005:
                continue  # removed
            else:
                rows.append(r)
        for _ in range(round(len(c.rows) * 0.005)):
            serial += 1
            rows.append(_row(rng, serial))
        out.append(Country(c.id, c.name, rows))
    assert total > 0
    return out


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)} | ESCA</title>\n</head>\n<body>\n"
        '<div id="top"><a href="/">Home</a> <a href="/benchmarked-clusters">Bronze Label</a></div>\n'
        f'<div id="content">\n{body}\n</div>\n<div id="footer">ESCA</div>\n</body>\n</html>\n'
    )


def _country_html(c: Country) -> str:
    lines = []
    for i, r in enumerate(sorted(c.rows, key=lambda r: r.name.casefold())):
        www = (
            f'<a href="{html.escape(r.website)}" target="_blank"><img src="/images/www.gif" alt="" /></a>'
            if r.website
            else "&nbsp;"
        )
        lines.append(
            f'  <tr class="{"odd" if i % 2 else "even"}">\n'
            f"    <td>{html.escape(r.name, quote=False)}</td>\n"
            f"    <td>{html.escape(r.portfolio, quote=False)}</td>\n"
            f"    <td>{www}</td>\n"
            f"    <td>{r.valid_until:%Y/%m/%d}</td>\n  </tr>"
        )
    table = (
        '<table class="clusterlist" cellspacing="0" cellpadding="0">\n  <tr class="head">\n'
        "    <th>Name</th>\n    <th>Comparative portfolio</th>\n    <th>www</th>\n    <th>Label valid until</th>\n"
        "  </tr>\n" + "\n".join(lines) + "\n</table>"
    )
    return _page("Benchmarking: Bronze Label", "<h1>Benchmarking: Bronze Label</h1>\n" + table)


def write_site(countries: list[Country], folder: Path) -> int:
    """Write a servable site folder; returns the number of rows."""
    (folder / "country").mkdir(parents=True, exist_ok=True)
    total = sum(len(c.rows) for c in countries)
    items = "\n".join(f'    <li><a href="{OVERVIEW}/?country={c.id}">{html.escape(c.name)}</a></li>' for c in countries)
    overview = (
        "<h1>ECEI Bronze Label</h1>\n"
        f'<p class="count">The list includes {total} clusters from {len(countries)} countries</p>\n'
        f'<div class="countries">\n  <ul>\n{items}\n  </ul>\n</div>'
    )
    (folder / "overview.html").write_text(_page("ECEI Bronze Label", overview))
    (folder / "robots.txt").write_text("User-agent: *\nDisallow: /admin/\n")
    routes = {OVERVIEW: "overview.html", OVERVIEW + "/": "overview.html", "/robots.txt": "robots.txt"}
    for c in countries:
        (folder / "country" / f"{c.id}.html").write_text(_country_html(c))
        routes[f"{OVERVIEW}/?country={c.id}"] = f"country/{c.id}.html"
    (folder / "routes.json").write_text(json.dumps(routes, indent=1))
    return total


def make_pair(
    out: Path, countries: int, rows_per_country: int, changed: float = 0.01, seed: int = 1
) -> tuple[Path, Path]:
    first = first_snapshot(countries, rows_per_country, seed)
    second = second_snapshot(first, changed, seed + 1)
    write_site(first, out / "first")
    write_site(second, out / "second")
    return out / "first", out / "second"


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--countries", type=int, default=48)
    ap.add_argument("--rows", type=int, default=2084, help="rows per country")
    ap.add_argument("--changed", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    first, second = make_pair(a.out, a.countries, a.rows, a.changed, a.seed)
    print(first, second)
