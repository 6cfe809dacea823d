"""typer's `ecei`: a click group over the command registry (ecei.cli.COMMANDS), each command imported
when it runs (or its help is asked for), and the way its usage errors are said.

Every form of every command can be answered here; the read commands' usual forms are answered
before typer is imported at all (ecei.cli.fast), and anything else they are given comes here, so
that --help, a usage error or an exit code is typer's, word for word.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Annotated, Any, Protocol

import typer
from typer._click import Command, Context, HelpFormatter
from typer._click.exceptions import UsageError
from typer._click.utils import make_default_short_help
from typer.core import TyperCommand, TyperGroup
from typer.main import get_command_from_info, get_group_from_info
from typer.models import CommandInfo, TyperInfo

from ecei.cli.fast import OwnParser, attribute, ending
from ecei.cli.plain_values import install


class Line(Protocol):
    """A line of the registry (ecei.cli.lazy.Lazy): the help `ecei --help` shows, the command it loads."""

    @property
    def help(self) -> str: ...

    def load(self, name: str) -> Command: ...


def command_of(target: str, name: str) -> Command:
    """The click command (or group) of the "module:attribute" `target`, named `name`; its text values
    converted without pydantic where typer would import it for nothing else (ecei.cli.plain_values)."""
    found = attribute(target)
    if isinstance(found, Command):
        return found
    if isinstance(found, OwnParser):
        return OwnArguments(name, found.command, help=found.help)
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
    info = CommandInfo(name=name, callback=found)
    return install(get_command_from_info(info, pretty_exceptions_short=True, rich_markup_mode=None))


class _Loaded(MutableMapping[str, Command]):
    """The group's commands: every name known from the registry, each command built on first use."""

    def __init__(self, registry: Mapping[str, Line]) -> None:
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

    registry: Mapping[str, Line] = {}

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


def _print_version(wanted: bool) -> None:
    if not wanted:
        return
    from importlib.metadata import version

    typer.echo(f"ecei-watch {version('ecei-watch')} (DuckDB {version('duckdb')})")
    raise typer.Exit()


def typer_app(registry: Mapping[str, Line]) -> typer.Typer:
    """The `ecei` app: a group of the registry's commands, in its order."""

    class Commands(LazyGroup):
        pass

    Commands.registry = registry
    app = typer.Typer(
        cls=Commands,
        help="Watch the ECEI Bronze Label database and keep its full history in DuckDB.",
        no_args_is_help=True,
        rich_markup_mode=None,  # help texts hold [brackets] (env names, defaults) that are not markup
        pretty_exceptions_enable=False,
        # typer's --install-completion and --show-completion convert their values through pydantic on
        # every run of every command, before the command itself: `ecei sql` would wait for pydantic
        add_completion=False,
    )

    @app.callback()
    def _root(
        show_version: Annotated[
            bool,
            typer.Option(
                "--version", callback=_print_version, is_eager=True, help="Print the versions of ecei-watch and DuckDB"
            ),
        ] = False,
    ) -> None:
        pass

    return app


def run(app: typer.Typer) -> int:
    """`ecei ARGS` (sys.argv) answered by typer: its exit code, a usage error (a bad option or
    argument) said in one line (ecei.cli.fast.ending)."""
    try:
        code = app(standalone_mode=False)  # click's own handling would print usage, a hint and the error
    except Exception as exc:
        found = ending(exc, "ecei")
        if found is None:
            raise
        code = found
    return code if isinstance(code, int) else 0
