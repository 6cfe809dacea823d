"""What Tab offers in the SQL shell, given the words of a warehouse (the real shell: test_sql_shell.py)."""

from __future__ import annotations

from ecei.cli.sql_complete import Completer

WORDS = [("select", "keyword"), ("clusters_current", "view"), ("clusters_as_of", "macro"), ("name", "column")]


def completer() -> Completer:
    return Completer(
        lambda: WORDS,
        [".format", ".mode", ".once", ".output", ".schema"],
        ["csv", "json", "jsonl"],
        {
            ".format": "format",
            ".schema": "relation",
        },
    )


def test_words_commands_and_what_a_command_takes() -> None:
    c = completer()
    assert c.matches("SEL", 0, "SEL") == ["SELECT"]  # a keyword in the case it was begun in
    assert c.matches("select * from clu", 14, "clu") == ["clusters_as_of", "clusters_current"]
    assert c.matches("select c.na", 7, "c.na") == ["c.name"]  # after a qualifier
    assert c.matches(".o", 0, ".o") == [".once", ".output"]
    assert c.matches(".format js", 8, "js") == ["json", "jsonl"]
    assert c.matches(".schema clu", 8, "clu") == ["clusters_current"]  # views and tables, no macro
    assert c.matches(".once ", 6, "") == []


def test_the_words_are_read_once() -> None:
    reads: list[int] = []
    c = Completer(lambda: reads.append(1) or WORDS, [], [])
    c.matches("s", 0, "s")
    c.matches("n", 0, "n")
    assert reads == [1]
