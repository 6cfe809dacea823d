"""Commands loaded when they run: the registry's line for a command, name -> where it lives.

Importing every command module to answer one command cost more than DuckDB itself (Scrapy, Prefect,
Apprise, plotly...): typer's group (ecei.cli.group) knows each command by its name, its
"module:attribute" and its one-line help, lists them all from that, and imports a module only when
its command is invoked (or its help asked for). The attribute is a typer command function, a
`typer.Typer` for a group of commands, a click command built by hand, or an ecei.cli.fast.OwnParser
(a command that parses its own arguments). This module imports no typer: the `ecei` script reads
the registry before it knows whether typer is needed at all (ecei.cli.fast).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typer._click import Command


class Lazy:
    """Where a command lives ("ecei.cli.sql:sql_command"), the line `ecei --help` shows for it, and
    where its fast path is ("module:attribute" of an ecei.cli.fast.Fast, or of the OwnParser the
    command is): the forms of the command answered without typer."""

    # a plain class, as every class the fast path loads: a dataclass is built from generated source,
    # which takes as long as importing a module (ecei.cli.fast)
    __slots__ = ("fast", "help", "target")

    def __init__(self, target: str, help: str, fast: str | None = None) -> None:
        self.target, self.help, self.fast = target, help, fast

    def __repr__(self) -> str:
        return f"Lazy({self.target!r}, {self.help!r}, fast={self.fast!r})"

    def load(self, name: str) -> Command:
        """The click command (or group) of the target, named `name`; its text values converted without
        pydantic where typer would import it for nothing else (ecei.cli.plain_values)."""
        from ecei.cli.group import command_of

        return command_of(self.target, name)
