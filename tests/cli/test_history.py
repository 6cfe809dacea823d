"""`ecei history` as a user runs it: one cluster's timeline, the nearest names on a miss, and what it refuses."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.cli.helpers import ecei

AGRUPACIO = "Agrupació d\N{RIGHT SINGLE QUOTATION MARK}Empreses Innovadores Tèxtils"


def test_history_timeline_with_stamps_and_labels_judged_on_the_day(dated_db: Path) -> None:
    done = ecei(
        "history", "arena legasea", "--country", "Norway", "--today", "2021-10-01", "--db", str(dated_db), wide=True
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Arena Legasea (Norway), cluster ")
    first = next(line for line in lines if line.startswith("│ 1 "))
    assert "2016-06-15T09:00:00Z" in first and "2021-09-15T09:00:00Z" in first and "lapsed on 2018-01-27" in first
    second = next(line for line in lines if line.startswith("│ 2 "))
    assert "current" in second and "lapsed on 2021-01-27" in second and "renewed (was 2018-01-27)" in second
    assert "listed now; label lapsed on 2021-01-27" in done.stdout
    assert "valid until" not in done.stdout


def test_a_label_before_its_date_reads_valid_until(dated_db: Path) -> None:
    done = ecei("history", "Arena Legasea", "--today", "2021-01-27", "--db", str(dated_db), wide=True)
    assert done.returncode == 0, done.stderr
    assert "listed now; label valid until 2021-01-27" in done.stdout
    assert "lapsed on 2018-01-27" in done.stdout  # the first version's label had lapsed by then


def test_a_straight_apostrophe_and_no_accents_find_the_site_s_name(dated_db: Path) -> None:
    done = ecei("history", "AGRUPACIO D'EMPRESES INNOVADORES TEXTILS", "--db", str(dated_db), wide=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{AGRUPACIO} (Spain), cluster ")


def test_a_delisted_cluster_says_since_when(dated_db: Path) -> None:
    done = ecei("history", "ikt grenland", "--db", str(dated_db), wide=True)
    assert done.returncode == 0, done.stderr
    assert "not listed since 2021-09-15T09:00:00Z (run 3)" in done.stdout


def test_a_typo_shows_the_cluster_and_says_so(dated_db: Path) -> None:
    done = ecei("history", "arena legsea", "--db", str(dated_db), wide=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Arena Legasea (Norway), cluster ")
    assert done.stderr == (
        "no cluster is listed as 'arena legsea'; showing the one with its name but for a typo: Arena Legasea (Norway)\n"
    )


def test_a_part_of_a_name_shows_the_one_cluster_under_both_its_names(dated_db: Path) -> None:
    for typed in ("Seafood", "Seafod Innovation Cluster"):
        done = ecei("history", typed, "--db", str(dated_db), wide=True)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("Seafood Innovation Cluster (Norway), cluster ")
        assert done.stdout.count(", cluster ") == 1  # one cluster, not one per name
        assert "also listed as NCE Seafood Innovation Cluster" in done.stderr


def test_words_in_many_names_list_each_cluster_once_and_exit_1(dated_db: Path) -> None:
    done = ecei("history", "arena", "--db", str(dated_db), wide=True)
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert lines[0] == "12 clusters have 'arena' in a name; name one of them in full:"
    assert lines[1:4] == ["  Arena Eyde (Norway)", "  Arena Heidner (Norway)", "  Arena Innovasjon Torskefisk (Norway)"]
    assert len(lines) == 13


def test_an_unknown_name_exits_1_with_the_nearest_clusters(dated_db: Path) -> None:
    done = ecei("history", "Seafod Inovation", "--db", str(dated_db), wide=True)
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert lines[0] == "no cluster named 'Seafod Inovation' in the history"
    assert lines[1] == "the nearest clusters:"
    assert lines[2] == "  Seafood Innovation Cluster (Norway), also listed as NCE Seafood Innovation Cluster"
    assert 3 <= len(lines) <= 7


def test_a_name_in_another_country_is_suggested_in_its_own(dated_db: Path) -> None:
    done = ecei("history", "agrupacio d'empreses innovadores textils", "--country", "Italy", "--db", str(dated_db))
    assert done.returncode == 1
    assert 'no cluster named "agrupacio d\'empreses innovadores textils" in Italy' in done.stderr
    assert f"  {AGRUPACIO} (Spain)" in done.stderr.splitlines()


def test_an_unknown_country_exits_2_listing_the_known(dated_db: Path) -> None:
    done = ecei("history", "Arena Legasea", "--country", "Norvège", "--db", str(dated_db), wide=True)
    assert done.returncode == 2
    assert "no country 'Norvège' in the warehouse; known countries: Italy, Norway, Poland, Spain" in done.stderr
    assert done.stdout == ""


def test_history_as_json(dated_db: Path) -> None:
    done = ecei("history", "bm3 mazovian cluster of materials technology and engineering", "--today", "2016-06-15",
                "--json", "--db", str(dated_db))  # fmt: skip
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["today"] == "2016-06-15" and document["nearest"] == []
    (cluster,) = document["clusters"]
    assert cluster["name"] == "BM\N{SUPERSCRIPT THREE} Mazovian Cluster of Materials Technology and Engineering"
    assert (cluster["country"], cluster["listed_now"], cluster["label"]) == ("Poland", True, "valid until 2016-12-08")
    (version,) = cluster["versions"]
    assert version["valid_from"] == "2016-06-15T09:00:00Z" and version["valid_to"] is None
    assert version["valid_until"] == "2016-12-08" and version["what_changed"] == ["listed"]


def test_a_miss_as_json_exits_1_with_the_nearest_clusters(dated_db: Path) -> None:
    done = ecei("history", "seafod inovation", "--json", "--db", str(dated_db))
    assert done.returncode == 1
    document = json.loads(done.stdout)
    assert document["clusters"] == [] and document["found_by"] == "none"
    first = document["nearest"][0]
    assert (first["name"], first["country"]) == ("Seafood Innovation Cluster", "Norway")
    assert first["other_names"] == ["NCE Seafood Innovation Cluster"]


def test_a_narrow_terminal_folds_values_and_cuts_none_short(dated_db: Path) -> None:
    env = {**os.environ, "COLUMNS": "80"}
    done = ecei("history", "Artic Maritime Cluster", "--today", "2021-10-01", "--db", str(dated_db), env=env)
    assert done.returncode == 0, done.stderr
    assert "\N{HORIZONTAL ELLIPSIS}" not in done.stdout
    assert max(len(line) for line in done.stdout.splitlines()) <= 80
    # no table of it fits 80 columns: one block a version, `portfolio | ...` a line of each
    portfolios = [line.split("|", 1)[1].strip() for line in done.stdout.splitlines() if line.startswith("portfolio ")]
    assert portfolios == ["Maritime technologies, water resources"] * 3  # the portfolio, whole
    assert done.stdout.count("2016-06-15T09:00:00Z") == 1  # a timestamp is never broken over lines
