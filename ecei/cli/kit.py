"""What every command shares: its common options, its two consoles, the warehouse it needs, and how
an outcome becomes a one-line message and an exit code.

A use case returns a result whose `status` is an `ecei.outcome.Status`, or raises `Refused` or
`Busy`; a command hands the status to `finish` and wraps the call in `outcomes()`, so the exit
codes below are written here and nowhere else.

The kit imports no typer: the read commands answer without it (ecei.cli.fast). Its exits, usage
errors and option declarations are typer's, made when they are needed (`leave`, `bad_value`, the
options at the end).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from ecei.beside import live_of, published_path
from ecei.moments import HELP as WHEN_HELP
from ecei.moments import Edge, When, parse_when, stamp
from ecei.outcome import Busy, Refused, Status

# how every command writes a value (JSON, a terminal): ecei.outputs.cells owns the rule; named here for the commands
from ecei.outputs.cells import json_text as json_text
from ecei.outputs.cells import plain as plain
from ecei.outputs.cells import visible as visible
from warehouse.db import NotAWarehouse, WarehouseBusy, WarehouseReadOnly, WarehouseUnreadable, inspect_file

if TYPE_CHECKING:
    from typer._click.exceptions import BadParameter, UsageError

    from ecei.query_settings import QuerySettings
    from ecei.settings import Settings

out = Console()
err = Console(stderr=True, soft_wrap=True)  # messages stay whole lines, for logs and grep

EXIT_CODES: dict[Status, int] = {
    Status.OK: 0,
    Status.DRY_RUN: 0,
    Status.FAILED: 1,
    Status.REFUSED: 2,  # also a usage error or a missing warehouse
    Status.PARTIAL: 3,
    Status.BUSY: 4,
    Status.UNDELIVERED: 5,
}
COLOURS: dict[Status, str] = {
    Status.OK: "green",
    Status.DRY_RUN: "cyan",
    Status.FAILED: "red",
    Status.REFUSED: "red",
    Status.PARTIAL: "yellow",
    Status.BUSY: "yellow",
    Status.UNDELIVERED: "red",
}
# the warehouse layer cannot import ecei.outcome: its own refusal and busy errors count as these
BUSY_ERRORS: tuple[type[Exception], ...] = (Busy, WarehouseBusy)


def refusals() -> tuple[type[Exception], ...]:
    """Refused, and warehouse.query's refusal once that module is loaded (whoever can raise it has
    loaded it): the kit does not import it, which status, history and changes never need."""
    query = sys.modules.get("warehouse.query")
    return (Refused, query.QueryRefused) if query is not None else (Refused,)


# The ranges every numeric or dated option keeps to, declared once: a value outside one is a usage
# error naming the option and the range (exit 2), never a traceback from the arithmetic it feeds (a
# day's end, a ladder's rungs) or from DuckDB's 32-bit integers (run ids, days).
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2999, 12, 31)
DAYS = f"{FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"
MAX_RUN_ID = 2**31 - 1  # crawl_runs.run_id is an INTEGER
MAX_WITHIN_DAYS = 36_500  # a hundred years of label ahead: rungs past it warn of nothing


def leave(code: int) -> BaseException:
    """The exception that ends a command with exit code `code`: typer's Exit where typer runs it (its
    group, and whoever catches it, such as the SQL shell and the tests, imported typer), else
    SystemExit, which ends the fast path's process the same way (ecei.cli.fast)."""
    typer = sys.modules.get("typer")
    return typer.Exit(code) if typer is not None else SystemExit(code)


def _is_exit(exc: BaseException) -> bool:
    typer = sys.modules.get("typer")
    return typer is not None and isinstance(exc, typer.Exit)


def bad_value(message: str, option: str) -> BadParameter:
    """A usage error naming `option` (typer.BadParameter, said as every usage error is)."""
    from typer import BadParameter  # only when there is one to say

    return BadParameter(message, param_hint=option)


def usage_error(message: str) -> UsageError:
    """A usage error (click's UsageError, said as every usage error is)."""
    from typer._click.exceptions import UsageError  # only when there is one to say

    return UsageError(message)


def echo(text: str, nl: bool = True) -> None:
    """`text` on stdout, as typer.echo writes a text without colour codes (the kit's texts hold none:
    `visible` and `json_text` show controls as pictures or escapes)."""
    sys.stdout.write(text + "\n" if nl else text)
    sys.stdout.flush()


def _in_days(day: dt.date, value: str, option: str) -> None:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise bad_value(f"{value!r} is outside the days ecei handles, {DAYS}", option)


def parse_day(value: str, option: str = "--today", edge: Edge = Edge.END) -> dt.date:
    """A day as people write it (ecei.moments.parse_when): a year or a month stands for its last day
    (its first, at Edge.START), a timestamp or a time ago for its day in UTC. A run id, or a day outside
    FIRST_DAY..LAST_DAY, is a usage error naming `option`."""
    when = when_parser(option)(value)
    if when.run_id is not None:
        raise bad_value(f"{value!r} is a run: give its day (crawl_runs has it)", option)
    day = when.day if edge is Edge.START else when.final_day
    return day or (when.at.date() if when.at is not None else dt.date.min)


def when_parser(option: str) -> Callable[[str], When]:
    """A parser of a point in time (ecei.moments) for `option`: a bad one, or one outside the days ecei
    handles, is a usage error naming it."""

    def parse(value: str) -> When:
        try:
            when = parse_when(value)
        except (ValueError, OverflowError) as exc:  # a zone can carry a timestamp past year 1 or 9999
            why = str(exc) if isinstance(exc, ValueError) else f"{value!r} is outside the days ecei handles, {DAYS}"
            raise bad_value(why, option) from None
        for moment in (when.day, when.final_day, when.at.date() if when.at is not None else None):
            if moment is not None:
                _in_days(moment, value, option)
        return when

    return parse


def number_parser(option: str, low: int, high: int) -> Callable[[str], int]:
    """A parser of a whole number from `low` to `high` for `option`: any other is a usage error
    naming the option and the range."""

    def parse(value: str | int) -> int:
        try:
            number = int(str(value).strip())  # a default comes as the number it is
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            raise bad_value(f"{value!r} is not a whole number from {low:,} to {high:,}", option)
        return number

    return parse


def number_option(option: str, low: int, high: int, help: str, metavar: str = "N") -> Any:
    """A `typer.Option` taking a whole number from `low` to `high` (number_parser)."""
    import typer

    return typer.Option(option, parser=number_parser(option, low, high), metavar=metavar, help=help)


def run_option(help: str) -> Any:
    """`--run N`: a run id, 1 to MAX_RUN_ID."""
    return number_option("--run", 1, MAX_RUN_ID, help, "RUN")


def within_option(help: str) -> Any:
    """`--within DAYS`, repeatable: a rung of the alert ladder, 1 to MAX_WITHIN_DAYS days."""
    return number_option("--within", 1, MAX_WITHIN_DAYS, help, "DAYS")


LIVE_HELP = (
    "Read the live warehouse file instead of its published copy: it shows a write the moment it is "
    "committed, but waits while one is under way (ECEI_BUSY_TIMEOUT)"
)

_SECRET_SETTINGS = {"notify", "healthcheck_url"}  # their values are never shown, not even when they are wrong


def settings(**overrides: Any) -> Settings:
    """The settings from the environment, with the options a person gave (None: not given); a bad
    value is one line naming its variable (or option) and what is wrong, exit 2."""
    # pydantic only when a command asks for its settings: `ecei sql` answers without it (ecei.query_settings)
    from pydantic import ValidationError

    from ecei.settings import Settings

    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        problems = []
        for e in exc.errors():
            field = str(e["loc"][0]) if e["loc"] else "?"
            name = f"--{field.replace('_', '-')}" if field in given else f"ECEI_{field.upper()}"
            given_value = e.get("input")
            shown_value = str(given_value) if isinstance(given_value, Path) else given_value  # as it was typed
            value = "" if field in _SECRET_SETTINGS else f"={shown_value!r}"
            problems.append(f"{name}{value}: {e['msg']}")
        say(
            Status.REFUSED,
            f"bad setting {'; '.join(problems)}; fix the value (the settings reference of the manual lists each one)",
        )
        finish(Status.REFUSED)


# what to do about each way a --db can be wrong; the warehouse says what it found, the kit says this
_DB_ADVICE = (
    "pass --db with an ecei warehouse file, or a path where none exists yet to start one; "
    "a damaged warehouse is restored from a backup"
)
DB_ERRORS: tuple[type[Exception], ...] = (WarehouseUnreadable, NotAWarehouse, WarehouseReadOnly)


def db_problem(exc: Exception) -> str:
    """The one line for a --db that cannot be used: what is wrong, that nothing changed, what to do."""
    if isinstance(exc, NotAWarehouse):
        return (
            f"{exc.path} is a DuckDB database but not an ecei warehouse (no schema_migrations table); "
            f"it was left as it is: {_DB_ADVICE}"
        )
    if isinstance(exc, WarehouseReadOnly):
        return f"{exc.path} cannot be written ({exc.reason}); nothing was changed: make it writable, or use a copy"
    assert isinstance(exc, WarehouseUnreadable)
    advice = _DB_ADVICE
    if "write-ahead log" in exc.reason:
        advice = f"if {exc.path}.wal came from another file, move it aside; or {_DB_ADVICE}"
    return f"{exc.path} is not a usable ecei warehouse ({exc.reason}); nothing was changed: {advice}"


def usable_db(chosen: Settings | QuerySettings) -> Path:
    """The warehouse file the settings name, existing or not, or exit 2 if it cannot be one."""
    path = Path(chosen.db)
    try:
        inspect_file(path)
    except DB_ERRORS as exc:
        say(Status.REFUSED, db_problem(exc))
        finish(Status.REFUSED)
    return path


def existing_db(chosen: Settings | QuerySettings) -> Path:
    """The warehouse file the settings name, or exit 2 saying how to get one."""
    path = Path(chosen.db)
    if not path.exists():
        err.print(f"[red]no warehouse at {escape(str(path))}[/red]: run `ecei refresh` first, or pass --db")
        raise leave(EXIT_CODES[Status.REFUSED])
    return usable_db(chosen)


def readable_db(chosen: Settings | QuerySettings, live: bool) -> Path:
    """The file a read command opens: the published copy of the warehouse (ecei.outputs.publish), which no
    writer ever holds; the live file with --live, when publishing is off, or when nothing has been
    published yet (said once on stderr). Exit 2, as existing_db, when there is no warehouse."""
    path = existing_db(chosen)
    if live or not chosen.publish or live_of(path) is not None:  # a copy named itself is read as it is
        return path
    copy = published_path(path)
    if copy.is_file():
        return copy
    err.print(
        f"[dim]no published copy of {escape(str(path))} yet ({escape(str(copy))}): reading the live file; "
        "the next write publishes it[/dim]",
        highlight=False,
    )
    return path


def read_settings(db: Path | None) -> Settings | QuerySettings:
    """The settings of a read command (`status`, `history`, `changes`): without pydantic while the
    environment sets no ECEI_ variable but ECEI_DB (ecei.query_settings), else Settings' own."""
    from ecei.query_settings import query_settings

    return query_settings(db) or settings(db=db)


def reading_from(chosen: Settings | QuerySettings, path: Path) -> Settings | QuerySettings:
    """`chosen`, reading the file `path` (readable_db's) instead of its own."""
    from ecei.query_settings import QuerySettings

    if isinstance(chosen, QuerySettings):
        return dataclasses.replace(chosen, db=path)
    return chosen.model_copy(update={"db": path})


def exit_code(status: Status) -> int:
    """The exit code of a use case's status."""
    return EXIT_CODES[status]


def say(status: Status, message: str) -> None:
    """The one line that tells a person how it ended: `status: message`, coloured by the status."""
    colour = COLOURS[status]
    err.print(f"[{colour}]{status}:[/{colour}] {shown(message)}", highlight=False)


def finish(status: Status) -> NoReturn:
    """Leave the command with the exit code of `status`."""
    raise leave(exit_code(status))


@contextmanager
def outcomes(failed: str | None = None, detail: Callable[[Exception], str] = str) -> Iterator[None]:
    """Turn a refusal or a busy warehouse raised inside into its one line and exit code (2, 4).

    With `failed`, any other error is a failure too: `failed: <detail>` and exit 1, no traceback.
    """
    try:
        yield
    except refusals() as exc:
        say(Status.REFUSED, str(exc))
        finish(Status.REFUSED)
    except DB_ERRORS as exc:
        say(Status.REFUSED, db_problem(exc))
        finish(Status.REFUSED)
    except PermissionError as exc:
        # a lock file or the warehouse's folder that this user may not write
        say(
            Status.REFUSED, f"{exc.filename}: permission denied; nothing was changed: run as a user who may write there"
        )
        finish(Status.REFUSED)
    except BUSY_ERRORS as exc:
        say(Status.BUSY, str(exc))
        finish(Status.BUSY)
    except Exception as exc:
        if failed is None or _is_exit(exc):  # an exit is how a command ends, no failure
            raise
        err.print(f"[red]{escape(failed)}:[/red] {shown(detail(exc))}", highlight=False)
        finish(Status.FAILED)


def with_type(exc: Exception) -> str:
    """An error as `Type: message`, for failures whose kind says what went wrong."""
    return f"{type(exc).__name__}: {exc}"


def shown(text: str) -> str:
    """Untrusted text for a message that holds markup: controls shown, markup escaped."""
    return escape(visible(text))


def first_cause(exc: BaseException) -> str:
    """The first line of what went wrong first: a failed write (a full disk) under the errors it caused."""
    seen = exc
    while (earlier := seen.__cause__ or seen.__context__) is not None:
        seen = earlier
    text = str(seen).strip()
    return text.splitlines()[0] if text else type(seen).__name__


def cell(value: Any) -> Text:
    """A value as a table shows it: Text, not markup, so a name like [bold] or <script> is shown as it
    is, and its control characters are shown, not obeyed."""
    if value is None:
        return Text("")
    if isinstance(value, dt.datetime):
        return Text(stamp(value) or "")
    if isinstance(value, list | tuple):
        return Text(visible(", ".join(map(str, value))))
    return Text(visible(str(value)))


# The options many commands declare alike, as typer annotations (`db: DbOption = None`): made the
# first time a command module imports one, which only typer's group does (ecei.cli.group); the
# fast path never imports typer (ecei.cli.fast).
if TYPE_CHECKING:  # to a type checker, what typer gives the command
    DbOption = Path | None
    JsonOption = bool
    StartUrlOption = str | None
    TodayOption = dt.date | None
    LiveOption = bool
    AsOfOption = When | None


def _options() -> dict[str, Any]:
    import typer

    return {
        "DbOption": Annotated[
            Path | None, typer.Option("--db", help="Warehouse file [env ECEI_DB, default ./ecei.duckdb]")
        ],
        "JsonOption": Annotated[
            bool, typer.Option("--json", help="Print the result as one JSON document, and nothing else on stdout")
        ],
        "StartUrlOption": Annotated[
            str | None,
            typer.Option("--start-url", help="The site's overview page [env ECEI_START_URL, default the live site]"),
        ],
        "TodayOption": Annotated[
            dt.date | None,
            typer.Option(
                "--today",
                parser=parse_day,
                metavar="DAY",
                help="The business day the list is judged against (days left, lapsing, lapsed); it never changes "
                "which list is shown: a day (2021-09-15), a month or a year (their last day), a timestamp or a "
                "time ago (30d, 6 months ago) [default: the day of --as-of where given, else today in "
                "ECEI_TIMEZONE]",
            ),
        ],
        "LiveOption": Annotated[bool, typer.Option("--live", help=LIVE_HELP)],
        "AsOfOption": Annotated[
            When | None,
            typer.Option(
                "--as-of",
                parser=when_parser("--as-of"),
                metavar="WHEN",
                help=f"Use the list as it stood at WHEN, as clusters_as_of does: {WHEN_HELP} [default: the "
                "latest list]",
            ),
        ],
    }


_OPTIONS = ("DbOption", "JsonOption", "StartUrlOption", "TodayOption", "LiveOption", "AsOfOption")


def __getattr__(name: str) -> Any:
    if name in _OPTIONS:
        made = _options()
        globals().update(made)  # made once: every command shares the same declarations
        return made[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
