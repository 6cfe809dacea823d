"""Commands loaded when they run: a click group over a registry of name -> where the command lives.

Importing every command module to answer one command cost more than DuckDB itself (Scrapy, Prefect,
Apprise, plotly...): the group knows each command by its name, its "module:attribute" and its one-line
help, lists them all from that, and imports a module only when its command is invoked (or its help
asked for). The attribute is a typer command function, a `typer.Typer` for a group of commands, or
a click command built by hand (`OwnArguments`, for a command that parses its own arguments).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

import typer
from typer._click import Command, Context, HelpFormatter
from typer._click.exceptions import UsageError
from typer._click.utils import make_default_short_help
from typer.core import TyperCommand, TyperGroup
from typer.main import get_command_from_info, get_group_from_info
from typer.models import CommandInfo, TyperInfo

from ecei.cli.plain_values import install


@dataclass(frozen=True)
class Lazy:
    """Where a command lives ("ecei.cli.sql:sql_command") and the line `ecei --help` shows for it."""

    target: str
    help: str

    def load(self, name: str) -> Command:
        """The click command (or group) of the target, named `name`; its text values converted without
        pydantic where typer would import it for nothing else (ecei.cli.plain_values)."""
        module, _, attribute = self.target.partition(":")
        found = getattr(importlib.import_module(module), attribute)
        if isinstance(found, Command):
            return found
        # as typer builds its own: no rich markup in help texts, which hold [brackets] that are not markup
        if isinstance(found, typer.Typer):
            return install(
                get_group_from_info(
                    TyperInfo(found, name=name),
                    pretty_exceptions_short=True,
                    suggest_commands=True,
                    rich_markup_mode=None,
                )
            )
        return install(
            get_command_from_info(
                CommandInfo(name=name, callback=found), pretty_exceptions_short=True, rich_markup_mode=None
            )
        )


class _Loaded(MutableMapping[str, Command]):
    """The group's commands: every name known from the registry, each command built on first use."""

    def __init__(self, registry: Mapping[str, Lazy]) -> None:
        self._registry = registry
        self._built: dict[str, Command] = {}

    def __getitem__(self, name: str) -> Command:
        if name not in self._built:
            self._built[name] = self._registry[name].load(name)  # KeyError for an unknown name
        return self._built[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter({**dict.fromkeys(self._registry), **dict.fromkeys(self._built)})

    def __len__(self) -> int:
        return len(set(self._registry) | set(self._built))


class LazyGroup(TyperGroup):
    """A typer group whose commands come from `registry` (set by a subclass), imported when used."""

    registry: Mapping[str, Lazy] = {}

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _Loaded(self.registry)

    def get_help_option(self, ctx: Context) -> Any:
        found = super().get_help_option(ctx)
        # typer converts an option's value through pydantic unless it is a bool already, and --help
        # defaults to None: a False keeps `ecei COMMAND` from importing pydantic before the command
        if found is not None and found.default is None:
            found.default = False
        return found

    def list_commands(self, ctx: Context) -> list[str]:
        return list(self.commands)  # the names only: listing must not import a command

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        # click's own layout, from the registry's lines instead of each loaded command's help
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = [(n, make_default_short_help(self.registry[n].help, limit)) for n in names if n in self.registry]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


class OwnArguments(TyperCommand):
    """A command that parses its own arguments: `run(args)` gets them all, `--help` included.

    typer converts every option's value through pydantic, whose import alone takes longer than
    DuckDB's; a command that must answer about as fast as DuckDB (`ecei sql`) parses with argparse.
    `run` raises typer.Exit for its exit code, and UsageError for a usage error (said as every other).
    """

    def __init__(self, name: str, run: Callable[[list[str]], None], help: str) -> None:
        super().__init__(name=name, help=help, add_help_option=False)
        self.run = run

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        ctx.args = list(args)
        return ctx.args

    def invoke(self, ctx: Context) -> None:
        try:
            self.run(ctx.args)
        except UsageError as exc:
            exc.ctx = exc.ctx or ctx  # so that the message names `ecei sql --help`
            raise
