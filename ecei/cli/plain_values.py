"""typer's conversion of an option's text, for the values that need no pydantic: a command answers
without importing it.

typer 0.29 converts every value it is given (`--db x`, a NAME argument, `--since 2018`) through a
pydantic TypeAdapter built for the parameter, and importing pydantic and building the adapters took
as long as DuckDB's own start (bench/read_latency.py). A value given as text to a parameter of `str`,
of a path (`Path`, with typer's own checks: exists, file_okay, readable...) or with a parser of our
own is converted here the way typer's adapter converts it: the text itself, `Path(text)` then
typer's path checks, the parser's answer. Anything else (a number, a list, a parser's ValueError,
whose message pydantic words) goes to typer's own conversion. tests/cli/test_plain_values.py holds
the two equal, value for value and error for error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer._click import Command, Context, Parameter
from typer._coercion import RuntimeParam, build_runtime_param
from typer._param_types import coerce_cli_path, lenient_issubclass, routes_to_path
from typer.core import TyperGroup, _TyperParameter


@dataclass(frozen=True)
class PlainValue(RuntimeParam):
    """A parameter's conversion: text to str, to a path or through its parser here, else typer's own."""

    def _coerce_value(self, value: Any, param: _TyperParameter, ctx: Context) -> Any:
        info, annotation = self.parameter_info, self.annotation
        try:
            if type(value) is str:
                if info.parser is not None:
                    return info.parser(value)
                if annotation is str:
                    return value
                if routes_to_path(annotation, info):
                    path_type = info.path_type or (annotation if lenient_issubclass(annotation, Path) else None)
                    # as pydantic makes a Path of a text; typer's checks then find it made, and name it
                    # as given (a text the Path writes otherwise, '' or 'a//b', goes to typer's own)
                    given = path_type(value) if isinstance(path_type, type) and issubclass(path_type, Path) else value
                    if str(given) == value:
                        return coerce_cli_path(given, info, path_type=path_type, param=param, ctx=ctx)
        except (ValueError, AssertionError):
            pass  # pydantic turns these into a usage error of its wording: typer's own says it
        return typers_own(param)._coerce_value(value, param=param, ctx=ctx)


def typers_own(param: _TyperParameter) -> RuntimeParam:
    """The conversion typer builds for `param` (through pydantic)."""
    return build_runtime_param(param.type_descriptor)


def _plain(param: Parameter | None) -> None:
    descriptor = getattr(param, "type_descriptor", None)
    if not isinstance(param, _TyperParameter) or descriptor is None or descriptor.file_annotation is not None:
        return
    if not (descriptor.is_list or descriptor.is_tuple):
        param._runtime_param = PlainValue(annotation=descriptor.annotation, parameter_info=descriptor.parameter_info)


def install(command: Command) -> Command:
    """Convert the text values of `command`'s parameters (and its subcommands') here when typer would
    import pydantic for them only; files, lists and tuples stay typer's."""
    for param in command.params:
        _plain(param)
    # --help is made when a command first runs, and typer builds its conversion even for its None
    made = command.get_help_option

    def get_help_option(ctx: Context) -> Any:
        found = made(ctx)
        _plain(found)
        return found

    command.get_help_option = get_help_option  # type: ignore[method-assign]  # this command's alone, on purpose
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            install(sub)
    return command
