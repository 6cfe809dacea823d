"""MkDocs hook: the command and settings reference, generated from the code at every build.

The pages are never written by hand: `reference/commands.md` walks the `ecei` command tree as click
sees it (each command's help, usage and the help lines of its options, as `ecei COMMAND --help` shows
them), `reference/settings.md` reads the fields of `ecei.settings.Settings` (the variable, its type,
default, bounds and description). A command or a setting added to the code is on the site at the
next build; one without a description fails the build.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import typer
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from pydantic import SecretStr
from pydantic_core import PydanticUndefined
from typer._click import Command, Context
from typer.core import TyperGroup as Group

from ecei.cli import app
from ecei.cli.group import OwnArguments
from ecei.settings import Settings

COMMANDS_PAGE = "reference/commands.md"
SETTINGS_PAGE = "reference/settings.md"
HELP_WIDTH = "100"  # columns of a command's own help text (argparse reads COLUMNS)
DOCS = Path(__file__).resolve().parents[1]
# a page names the commands it shows at work in its front matter (`commands: link, unlink`)
_CLAIM = re.compile(r"\A---\n(?:.*\n)*?commands:\s*(.+)\n(?:.*\n)*?---\n")


def guides() -> dict[str, str]:
    """The page of the manual that shows each command at work (a group's commands share the group's),
    as its front matter claims it: a new command's page says so where it is written, nowhere else."""
    found: dict[str, str] = {}
    for path in sorted(DOCS.rglob("*.md")):
        claim = _CLAIM.match(path.read_text(encoding="utf-8"))
        for name in claim.group(1).split(",") if claim else []:
            page = path.relative_to(DOCS).as_posix()
            if name.strip() in found:
                raise ValueError(f"{page} and {found[name.strip()]} both claim the command {name.strip()}")
            found[name.strip()] = page
    return found


INTRO = """\
Generated at each build from the `ecei` command itself: what `ecei COMMAND --help` prints, and a link
to the page that shows the command at work.

Every command exits 2 with one line for a `--db` that is not a usable warehouse, for a bad setting
and for a usage error (a bad option value, a missing argument, an unknown command:
``usage error: ... (see `ecei X --help`)``). A day or a point in time an option takes (`--today`,
`--since`, `--until`, `--as-of`) lies between 1900-01-01 and 2999-12-31, and every number its range
(`--run` 1 to 2,147,483,647, `--within` 1 to 36,500 days, `feed --limit` 1 to 10,000, `--port` 0 to
65,535; `ecei/cli/kit.py` declares them once): a value outside is a usage error naming the option
and the range. Commands that read (`sql`, `report`, `export`, `history`, `changes`, `status`) read
the [published copy](../operator/published-copy.md) unless given `--live`, and exit 4 when the
warehouse they wait for stays busy for `ECEI_BUSY_TIMEOUT` seconds.
"""


def on_files(files: Files, config: MkDocsConfig) -> Files:
    for uri, content in ((COMMANDS_PAGE, commands_page()), (SETTINGS_PAGE, settings_page())):
        files.append(File.generated(config, uri, content=content))
    return files


# --- markdown out of plain help text ---


def _inline(text: str, *, in_table: bool = False) -> str:
    """Help text as Markdown: code spans kept, the rest escaped so that nothing becomes markup by chance."""
    parts = re.split(r"(`[^`]*`)", text)
    out = []
    for i, part in enumerate(parts):
        if i % 2 == 0:
            part = part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            part = re.sub(r"([\\*_\[\]#])", r"\\\1", part)
        out.append(part.replace("|", "\\|") if in_table else part)
    return "".join(out)


def _paragraphs(help_text: str) -> str:
    """A docstring's paragraphs, each one line of Markdown (click's \\b no-rewrap marker dropped)."""
    blocks = [b for b in re.split(r"\n\s*\n", help_text.strip()) if b.strip()]
    return "\n\n".join(
        _inline(" ".join(line.strip() for line in b.splitlines() if line.strip() != "\b")) for b in blocks
    )


# --- the command tree ---


def walk(group: Group, ctx: Context) -> Iterator[tuple[str, Command, Context]]:
    """Every command under `group`, depth first, with its path (`archive list`) and its context."""
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None:
            continue
        sub = Context(command, info_name=name, parent=ctx)
        path = f"{ctx.command_path} {name}".removeprefix("ecei ")
        yield path, command, sub
        if isinstance(command, Group):
            yield from walk(command, sub)


def _own_help(command: OwnArguments) -> str:
    """The help of a command that parses its own arguments, as it prints it."""
    out = io.StringIO()
    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = HELP_WIDTH
    try:
        with contextlib.redirect_stdout(out), contextlib.suppress(typer.Exit, SystemExit):
            command.run(["--help"])
    finally:
        if before is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = before
    return out.getvalue().rstrip()


def _options(command: Command, ctx: Context) -> list[str]:
    rows = [
        record
        for param in command.get_params(ctx)
        if param.name != "help" and (record := param.get_help_record(ctx)) is not None
    ]
    if not rows:
        return []
    lines = ["| argument or option | what it does |", "|---|---|"]
    lines += [f"| `{names}` | {_inline(text, in_table=True)} |" for names, text in rows]
    return [*lines, ""]


def _section(path: str, command: Command, ctx: Context) -> list[str]:
    lines = [f"## `ecei {path}`", ""]
    guide = guides().get(path.split()[0])
    if guide is not None and " " not in path:
        lines += [f"At work: [{_title(guide)}](../{guide}).", ""]
    if isinstance(command, OwnArguments):
        return [*lines, "```text", _own_help(command), "```", ""]
    usage = " ".join(["ecei", path, *command.collect_usage_pieces(ctx)])
    lines += [f"`{usage}`", "", _paragraphs(command.help or ""), ""]
    if isinstance(command, Group):
        subs = ", ".join(f"[`{path} {n}`](#{anchor(f'{path} {n}')})" for n in command.list_commands(ctx))
        return [*lines, f"Its commands: {subs}.", ""]
    return lines + _options(command, ctx)


def _title(page: str) -> str:
    """The title of a page of the manual: its first heading."""
    text = (Path(__file__).resolve().parents[1] / page).read_text(encoding="utf-8")
    return next(line[2:].strip() for line in text.splitlines() if line.startswith("# "))


def anchor(path: str) -> str:
    """The anchor MkDocs gives the heading of `ecei PATH` (what other pages link to)."""
    return "ecei-" + path.replace(" ", "-")


def commands() -> list[str]:
    """Every command path of the tree (`refresh`, `archive`, `archive list`, ...)."""
    root = typer.main.get_command(app)
    return [path for path, _, _ in walk(root, Context(root, info_name="ecei"))]


def commands_page() -> str:
    root = typer.main.get_command(app)
    ctx = Context(root, info_name="ecei")
    tree = list(walk(root, ctx))
    lines = [
        "# Command reference",
        "",
        INTRO,
        "| command | what it does |",
        "|---|---|",
        "| `ecei --version` | " + _inline(root.get_params(ctx)[0].help or "", in_table=True) + " |",
    ]
    for path, command, _ in tree:
        summary = command.get_short_help_str(limit=300)
        lines.append(f"| [`ecei {path}`](#{anchor(path)}) | {_inline(summary, in_table=True)} |")
    lines.append("")
    for path, command, sub in tree:
        lines += _section(path, command, sub)
    return "\n".join(lines)


# --- the settings class ---


def _type(annotation: Any) -> str:
    optional = False
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        optional, annotation = len(args) < len(get_args(annotation)), args[0]
    if get_origin(annotation) is not None and get_origin(annotation) is not list:  # Annotated
        annotation = get_args(annotation)[0]
    if get_origin(annotation) is list:
        shown = f"list of {_type(get_args(annotation)[0])}"
    else:
        shown = {bool: "true / false", int: "integer", float: "number", str: "text", Path: "path"}.get(annotation)
        shown = "secret text" if annotation is SecretStr else shown or annotation.__name__
    return f"{shown} (optional)" if optional else shown


def _default(field: Any) -> str:
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    if "shown_default" in extra:
        return str(extra["shown_default"])
    value = field.default_factory() if field.default is PydanticUndefined else field.default
    if value in (None, "", []):
        return "(none)"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def _bounds(field: Any) -> str:
    words = {"ge": "at least", "gt": "more than", "le": "at most", "lt": "less than"}
    found = [f"{sign} {getattr(m, key):,}" for m in field.metadata for key, sign in words.items() if hasattr(m, key)]
    return ", ".join(found)


def settings_page() -> str:
    lines = [
        "# Settings reference",
        "",
        "Generated at each build from `ecei.settings.Settings`, the one class every setting lives in. "
        "Each is read from the environment variable named here; a command-line option overrides it. "
        "A bad value is refused (exit 2) in one line naming the variable and what is wrong "
        "(never the value of a secret).",
        "",
    ]
    prefix = Settings.model_config.get("env_prefix", "")
    for name, field in Settings.model_fields.items():
        if not field.description:
            raise ValueError(f"the setting {name} has no description: give its Field one")
        bounds = _bounds(field)
        facts = f"{_type(field.annotation)}; default {_default(field)}" + (f"; {bounds}" if bounds else "")
        lines += [f"## `{(prefix + name).upper()}`", ""]
        lines += [f"*{facts}*", "", _inline(field.description), ""]
    return "\n".join(lines)
