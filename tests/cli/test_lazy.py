"""The command registry: `ecei --help` lists every command from it, and each loads when it runs."""

from __future__ import annotations

import os

import pytest
import typer.main
from typer._click import Context

from ecei.cli import COMMANDS, app
from ecei.cli.lazy import Lazy
from tests.cli.helpers import ecei


@pytest.mark.parametrize("name", COMMANDS)
def test_each_registered_command_loads_under_its_name(name: str) -> None:
    command = COMMANDS[name].load(name)
    assert command.name == name
    assert command.help, f"{name} has no help of its own"


def test_the_help_lists_every_command_with_its_line_and_loads_none() -> None:
    done = ecei("--help", wide=True)
    assert done.returncode == 0, done.stderr
    listed = done.stdout.split("Commands:\n", 1)[1].splitlines()
    assert [line.split()[0] for line in listed if line.strip()] == list(COMMANDS)
    for name, entry in COMMANDS.items():
        assert any(line.split()[1:] == entry.help.split() for line in listed if line.split()[:1] == [name])


def test_a_narrow_help_shortens_the_lines_as_click_does() -> None:
    done = ecei("--help", env={**os.environ, "COLUMNS": "60"})
    listed = dict(line.split(None, 1) for line in done.stdout.split("Commands:\n", 1)[1].splitlines())
    assert max(len(line) for line in done.stdout.splitlines()) <= 60
    shortened = {name for name, shown in listed.items() if shown != COMMANDS[name].help}
    assert shortened and all(listed[n].endswith("...") for n in shortened)
    assert all(COMMANDS[n].help.startswith(listed[n].removesuffix("...")) for n in shortened)


def test_a_group_is_one_line_too() -> None:
    # a `typer.Typer` in the registry is a group: its own commands come with it
    done = ecei("archive", "--help")
    assert done.returncode == 0 and "list " in done.stdout and "show " in done.stdout


def test_an_unknown_command_is_a_usage_error_with_a_suggestion() -> None:
    done = ecei("histroy", "X")
    assert done.returncode == 2
    assert done.stderr == "usage error: No such command 'histroy'. Did you mean 'history'? (see `ecei --help`)\n"


def test_the_group_is_the_registry_in_its_order() -> None:
    group = typer.main.get_command(app)
    assert group.list_commands(Context(group)) == list(COMMANDS)
    # a line names where the command lives: the same function may even serve under another name
    assert Lazy("ecei.cli.history:history_command", "Show one cluster's versions.").load("again").name == "again"
