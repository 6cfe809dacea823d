"""ecei.cli.plain_values converts a text value as typer's own (pydantic) conversion does: the same
value, or the same usage error, for the real parameters of our commands and for typer's path checks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import pytest
import typer
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer._click import Context
from typer._click.exceptions import BadParameter
from typer.core import _TyperParameter

from ecei.cli import COMMANDS
from ecei.cli.lazy import Lazy
from ecei.cli.plain_values import PlainValue, typers_own

HERE = Path(__file__).parent


def _strict(value: str) -> int:
    if not value.isdigit():
        raise ValueError(f"{value!r} is no number")  # pydantic words this one
    return int(value)


def _refusing(value: str) -> str:
    if value.startswith("-"):
        raise typer.BadParameter("no dashes")  # this one is ours, word for word
    return value.upper()


def checks(
    must_exist: Annotated[Path, typer.Argument(exists=True)],
    a_file: Annotated[Path, typer.Option(exists=True, dir_okay=False)] = HERE,
    a_folder: Annotated[Path, typer.Option(file_okay=False)] = HERE,
    number: Annotated[int, typer.Option(parser=_strict)] = 0,
    upper: Annotated[str, typer.Option(parser=_refusing)] = "",
    plain: int = 0,  # typer's own: no parser, not text
) -> None:
    """Typer's path checks and parsers, as a command of ours could declare them."""


def _params() -> Iterator[tuple[str, _TyperParameter, Context]]:
    commands = [(n, COMMANDS[n].load(n)) for n in ("history", "changes", "status", "export", "report", "alerts")]
    commands.append(("checks", Lazy("tests.cli.test_plain_values:checks", "").load("checks")))
    for name, command in commands:
        for param in command.params:
            if isinstance(param, _TyperParameter) and isinstance(param._runtime_param, PlainValue):
                yield f"{name} {param.name}", param, Context(command)


PARAMS = list(_params())


def converted(param: _TyperParameter, ctx: Context, value: str, own: bool) -> tuple[str, Any]:
    conversion = typers_own(param) if own else param._runtime_param
    assert conversion is not None
    try:
        return "value", conversion._coerce_value(value, param=param, ctx=ctx)
    except BadParameter as exc:
        return "usage error", exc.format_message()


def test_every_text_parameter_of_the_read_commands_is_converted_here() -> None:
    named = {n for n, _, _ in PARAMS}
    for expected in ("history name", "history db", "history today", "changes since", "changes output", "status db"):
        assert expected in named
    assert "checks plain" in named  # installed, and handed to typer's own (not text-only)


@pytest.mark.parametrize(("name", "param", "ctx"), PARAMS, ids=[n for n, _, _ in PARAMS])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.one_of(st.text(), st.sampled_from([str(HERE), __file__, "2018", "2018-13", "run:2", "-x", "7"])))
@example(value="a\x00b")  # a NUL: the operating system refuses the path, pydantic words it
@example(value="")
def test_a_text_is_converted_as_typer_converts_it(name: str, param: _TyperParameter, ctx: Context, value: str) -> None:
    assert converted(param, ctx, value, own=False) == converted(param, ctx, value, own=True)
