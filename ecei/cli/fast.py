"""The read commands' usual forms, answered without typer: `ecei status`, `history`, `changes`, `sql`.

Importing typer (and its click) and building a command from its signature took about 20 ms of the
80 these commands took on top of DuckDB's own query (bench/read_latency.py, bench/RESULTS.md). A
command's `Fast` lists its arguments and options, each converted as its typer declaration converts
it, and the function that answers; `ecei NAME ARGS` is answered here when ARGS are a form read here
for sure: the arguments in their number, each option at most once, as `--option VALUE` (two words,
the value not starting with `-`) or `--flag`, every value converted. Anything else (--help, `-h`,
`--option=VALUE`, an option unknown or repeated, a missing or bad value) goes to typer (ecei.cli.group),
whose message it is, word for word: this module never words an error of parsing. A command that
parses its own arguments (`ecei sql`, argparse) is an `OwnParser`, run as is.

tests/cli/test_fast.py holds each Fast to its command's typer declaration, option for option and
value for value; the CLI tests run the real `ecei`, through here.
"""

from __future__ import annotations

import errno
import importlib
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any


def attribute(target: str) -> Any:
    """The object a "module:attribute" names, its module imported."""
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


class Declined(Exception):
    """Not a form read here for sure: typer reads it."""


def text(value: str) -> str:
    """A text value (`str`): as it is."""
    return value


def path(value: str) -> Path:
    """A path value as typer converts it with its default checks (ecei.cli.plain_values): a path that
    exists must be readable; a text that Path writes otherwise ('', 'a//b'), or holding a NUL, is
    typer's to convert (or refuse)."""
    given = Path(value)
    if str(given) != value:
        raise Declined(value)
    try:
        os.stat(given)
    except OSError:
        return given  # none there yet: the command says what it makes of that
    except ValueError:
        raise Declined(value) from None
    if not os.access(given, os.R_OK):
        raise Declined(value)
    return given


class Fast:
    """The forms of one command answered without typer: `answer(**values)` with its arguments (all
    required, in order), its options taking a value (option -> parameter and conversion; those in
    `required` must be given) and its flags (option -> parameter, True when given). A parameter not
    given is left out: `answer`'s default is its declaration's (tests/cli/test_fast.py)."""

    # Plain classes here and in every module the fast path loads for itself: a dataclass (or a
    # NamedTuple) is built from generated source, each taking about as long as importing a module.
    __slots__ = ("answer", "arguments", "flags", "options", "required")

    def __init__(
        self,
        answer: Callable[..., None],
        arguments: tuple[str, ...] = (),
        options: Mapping[str, tuple[str, Callable[[str], Any]]] | None = None,
        flags: Mapping[str, str] | None = None,
        required: frozenset[str] = frozenset(),
    ) -> None:
        self.answer, self.arguments, self.required = answer, arguments, required
        self.options: Mapping[str, tuple[str, Callable[[str], Any]]] = options or {}
        self.flags: Mapping[str, str] = flags or {}

    def values(self, args: list[str]) -> dict[str, Any]:
        """The parameters `args` give, converted; Declined for any form not read here for sure."""
        found: dict[str, Any] = {}
        given: list[str] = []
        words = iter(args)
        for word in words:
            if not word.startswith("-"):
                given.append(word)
                continue
            if word in self.flags and self.flags[word] not in found:
                found[self.flags[word]] = True
                continue
            if word not in self.options or self.options[word][0] in found:
                raise Declined(word)
            value = next(words, None)
            if value is None or value.startswith("-"):
                raise Declined(word)
            name, convert = self.options[word]
            try:
                found[name] = convert(value)
            except Exception as exc:  # a bad value: typer says it
                raise Declined(word) from exc
        if len(given) != len(self.arguments) or not self.required <= found.keys():
            raise Declined(" ".join(args))
        return {**dict(zip(self.arguments, given, strict=True)), **found}

    def run(self, name: str, args: list[str]) -> bool:
        try:
            values = self.values(args)
        except Declined:
            return False
        self.answer(**values)
        return True


class OwnParser:
    """A command that parses its own arguments: `command(args)` gets them all, `--help` included, and
    raises kit's exits for its exit code, a click UsageError for a usage error. Declared without
    typer: typer's group wraps it (ecei.cli.group.OwnArguments), the fast path runs it as is."""

    __slots__ = ("command", "help")

    def __init__(self, command: Callable[[list[str]], None], help: str) -> None:
        self.command, self.help = command, help

    def run(self, name: str, args: list[str]) -> bool:
        self.command(args)
        return True


if TYPE_CHECKING:
    from typing import Protocol

    class _Runs(Protocol):
        def run(self, name: str, args: list[str]) -> bool: ...

    class _Entry(Protocol):
        fast: str | None


def _completing() -> bool:
    # typer answers a shell's completion request (_ECEI_COMPLETE=...) before any command
    return any(k.startswith("_") and k.endswith("_COMPLETE") and v for k, v in os.environ.items())


def answered(args: list[str], registry: Mapping[str, _Entry]) -> int | None:
    """The exit code of `ecei ARGS`, answered here; None when typer is to answer them."""
    if not args or args[0] not in registry or _completing():
        return None
    name, target = args[0], registry[args[0]].fast
    if target is None:
        return None
    fast: _Runs = attribute(target)
    try:
        if not fast.run(name, args[1:]):
            return None
    except Exception as exc:
        code = ending(exc, f"{_program()} {name}")
        if code is None:
            raise
        return code
    except KeyboardInterrupt:
        return 130  # as click ends a command interrupted
    except SystemExit as exc:  # the kit's exits (kit.leave), with their code
        if not isinstance(exc.code, int):
            raise
        return exc.code
    return 0


def _program() -> str:
    from typer._click.utils import _detect_program_name  # only for a message: typer is loaded by then

    return _detect_program_name()


def ending(exc: BaseException, where: str) -> int | None:
    """The exit code of a command that ended with `exc`, its line said on stderr as typer's group says
    it (a usage error: one line naming `where --help`, `where` the command's path when click has not
    set it); None for an error that is no way of ending: a bug, its traceback shown."""
    if isinstance(exc, OSError) and exc.errno == errno.EPIPE:
        # as click ends a command whose reader left (`| head`): quietly, exit 1
        from typer._click.utils import PacifyFlushWrapper

        sys.stdout = PacifyFlushWrapper(sys.stdout)
        sys.stderr = PacifyFlushWrapper(sys.stderr)
        return 1
    if isinstance(exc, EOFError):
        sys.stderr.write("\n")  # as click says it: a line, then aborted
        _say("aborted")
        return 1
    typer = sys.modules.get("typer")
    if typer is None:
        return None  # typer raised nothing: none of the endings below
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

    if isinstance(exc, typer.Exit):
        return int(exc.exit_code)
    if isinstance(exc, NoArgsIsHelpError):
        exc.show()  # `ecei` alone, or a group alone: its help is the answer
        return int(exc.exit_code)
    if isinstance(exc, UsageError):
        path = exc.ctx.command_path if exc.ctx is not None else where
        _say(f"usage error: {exc.format_message()} (see `{path} --help`)")
        return int(exc.exit_code)
    if isinstance(exc, ClickException):
        exc.show()
        return int(exc.exit_code)
    if isinstance(exc, typer.Abort):
        _say("aborted")
        return 1
    return None


def _say(message: str) -> None:
    from ecei.cli.kit import err  # the kit (consoles) only when there is something to say

    err.print(message, highlight=False, markup=False)
