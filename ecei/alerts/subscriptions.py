"""Subscriptions: who hears which alerts, read from the YAML file ECEI_SUBSCRIPTIONS names.

Each subscriber has a `name`, a `notify` channel (an Apprise URL, or `${VAR}` read from the
environment, so the file holds no token), optional filters (`countries`, `portfolios`, `clusters`,
`kinds`, `within`) and a `mode`: `digest`, one message per run (the default), or `each`, one message
per alert. ECEI_NOTIFY stays: each of its channels is one more target of the subscription named
"ECEI_NOTIFY", which hears everything. A file that is not valid YAML, a field nobody knows, an unknown
kind or an unset variable is refused naming its line, before anything is raised or sent.

The ledger keys a subscription's deliveries and what it is owed by `subscription:<name>`
(alert_deliveries.channel, alert_outbox.recipient) and remembers when it first saw it (the
`subscriptions` table): a subscriber added later hears the alerts raised after that, and with
`--backlog` also those still current. A subscriber renamed in the file names its old names in
`formerly:`, and inherits what they are owed, what they had and their first sighting.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ecei.alerts import kinds as alert_kinds
from ecei.alerts.channels import channel_id, channel_name, unusable
from ecei.durable import read_capped
from ecei.history.names import find_clusters, known_countries, resolve_country, search_key
from ecei.outcome import Refused
from warehouse.alerts import Alert

NOTIFY_NAME = "ECEI_NOTIFY"  # the subscription ECEI_NOTIFY's channels make: it hears everything
KEY_PREFIX = "subscription:"
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class Subscriber(BaseModel):
    """One entry of the file, as written."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    notify: str = Field(min_length=1)
    countries: list[str] = Field(default_factory=list)
    portfolios: list[str] = Field(default_factory=list)
    clusters: list[str] = Field(default_factory=list)
    kinds: list[str] = Field(default_factory=list)
    within: list[int] = Field(default_factory=list)
    mode: Literal["digest", "each"] = "digest"
    # the names it had before in this file: it inherits what they are owed and their first sighting
    formerly: list[str] = Field(default_factory=list)

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, value: list[str]) -> list[str]:
        unknown = [k for k in value if k not in alert_kinds.names()]
        if unknown:
            raise ValueError(f"unknown alert kind {', '.join(unknown)}; the kinds: {', '.join(alert_kinds.names())}")
        return value

    @field_validator("within")
    @classmethod
    def _positive(cls, value: list[int]) -> list[int]:
        if any(days <= 0 for days in value):
            raise ValueError("rungs are positive numbers of days")
        return value


class SubscriptionsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subscriptions: list[Subscriber] = Field(default_factory=list)


@dataclass
class Target:
    """One channel to deliver to: a subscriber's, or one of ECEI_NOTIFY's. `url` is a secret:
    shown only as `channel` (ecei.alerts.channels.channel_name)."""

    subscription: str
    key: str  # alert_deliveries.channel
    url: str
    channel: str
    mode: str = "digest"
    countries: set[str] = field(default_factory=set)  # search keys of country names
    country_ids: list[str] = field(default_factory=list)  # as given, resolved by `resolve`
    portfolios: set[str] = field(default_factory=set)  # search keys
    clusters: list[str] = field(default_factory=list)  # as given, resolved by `resolve`
    cluster_ids: set[str] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)
    within: set[int] = field(default_factory=set)
    line: int = 0  # where the file declares it, for messages
    hears_everything: bool = False  # ECEI_NOTIFY: what is pending in the ledger, as before subscriptions
    formerly: list[str] = field(default_factory=list)  # its earlier names (a subscription renamed)

    @property
    def filtered(self) -> bool:
        return bool(self.countries or self.portfolios or self.cluster_ids or self.kinds or self.within)


def key_of(name: str) -> str:
    return f"{KEY_PREFIX}{name}"


def _key_lines(node: yaml.Node, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], int]:
    """Every path into the document (as pydantic's error locations write them) with its 1-based line:
    a mapping's key at the key's line, a list's item at the item's."""
    lines = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines[(*path, key.value)] = key.start_mark.line + 1
            lines.update({p: n for p, n in _key_lines(value, (*path, key.value)).items() if p != (*path, key.value)})
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines.update(_key_lines(item, (*path, i)))
    return lines


def _line_of(lines: dict[tuple[Any, ...], int], loc: tuple[Any, ...]) -> int:
    """The line of the deepest part of `loc` the document has."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return 1


# a file of subscribers is a few kilobytes: a larger one is a mistake, or an attempt to fill the memory
MAX_FILE_BYTES = 2**20


class _Unaccepted(Exception):
    """What the file may not hold, at its (1-based) line."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(problem)
        self.line = line
        self.problem = problem


class _StrictLoader(yaml.SafeLoader):
    """YAML's safe loader without anchors and aliases: an alias of an alias of ... (a few hundred
    bytes) expands to billions of values, and a subscriber needs no shared part (refused outright,
    merge keys `<<: *x` with them)."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]  # types-PyYAML leaves it unannotated
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            name = f"*{event.anchor}" if isinstance(event, yaml.AliasEvent) else f"&{event.anchor}"
            raise _Unaccepted(
                event.start_mark.line + 1, f"{name}: anchors and aliases are not accepted; write each value out"
            )
        return super().compose_node(parent, index)


def _refuse_duplicates(node: yaml.Node) -> None:
    """A key given twice in one mapping (a second `subscriptions:`, a subscriber's second `mode:`)
    is refused: YAML would keep the last silently, and drop what the first said."""
    if isinstance(node, yaml.MappingNode):
        first: dict[tuple[str, str], int] = {}
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                line = key.start_mark.line + 1
                seen = first.setdefault((key.tag, key.value), line)
                if seen != line:
                    raise _Unaccepted(line, f"{key.value}: the key is given twice (first at line {seen})")
            _refuse_duplicates(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _refuse_duplicates(item)


def _load(text: str) -> tuple[yaml.Node | None, Any]:
    """The document's node tree and its data, read once, strictly (_StrictLoader, _refuse_duplicates)."""
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        _refuse_duplicates(node)
        return node, loader.construct_document(node)
    finally:
        loader.dispose()


def read(path: Path) -> list[tuple[Subscriber, int]]:
    """The subscribers of the file at `path`, each with its line; Refused naming the file and line
    of the first thing wrong (not YAML, a key given twice, an anchor or alias, an unknown field, an
    unknown kind, a name given twice), or the file being larger than MAX_FILE_BYTES."""
    try:
        raw = read_capped(path, MAX_FILE_BYTES, "ECEI_SUBSCRIPTIONS:")
        text = raw.decode("utf-8")
    except OSError as exc:
        raise Refused(f"ECEI_SUBSCRIPTIONS: cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise Refused(f"{path}: not UTF-8 (byte {exc.start}); nothing was raised or sent") from None
    try:
        node, data = _load(text)
    except _Unaccepted as exc:
        raise Refused(f"{path}, line {exc.line}: {exc.problem}; nothing was raised or sent") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "?"
        problem = getattr(exc, "problem", None) or str(exc)
        raise Refused(f"{path}, {where}: not valid YAML: {problem}; nothing was raised or sent") from None
    lines = _key_lines(node) if node is not None else {}
    try:
        parsed = SubscriptionsFile.model_validate(data if data is not None else {})
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            what = ".".join(str(p) for p in loc if not isinstance(p, int)) or "the file"
            message = "unknown field" if error["type"] == "extra_forbidden" else error["msg"]
            problems.append(f"line {_line_of(lines, loc)}: {what}: {message}")
        raise Refused(f"{path}, {'; '.join(problems)}; nothing was raised or sent") from None
    found: list[tuple[Subscriber, int]] = []
    seen: set[str] = set()
    for i, sub in enumerate(parsed.subscriptions):
        line = lines.get(("subscriptions", i, "name"), lines.get(("subscriptions", i), 1))
        if sub.name in seen or sub.name == NOTIFY_NAME:
            why = "is given twice" if sub.name in seen else "is ECEI_NOTIFY's own"
            raise Refused(f"{path}, line {line}: name {sub.name!r} {why}; names are unique; nothing was raised or sent")
        seen.add(sub.name)
        found.append((sub, line))
    taken = {sub.name for sub, _ in found}
    for sub, line in found:
        clash = [old for old in sub.formerly if old in taken or old == NOTIFY_NAME]
        if clash:
            why = f"formerly: {clash[0]!r} is the name of a subscription in the file"
            raise Refused(f"{path}, line {line}: {why}; nothing was raised or sent")
    return found


def _expand(value: str, where: str) -> str:
    """`${VAR}` replaced by the environment's value; Refused naming the variable (never a value)."""
    missing = [name for name in _VARIABLE.findall(value) if not os.environ.get(name)]
    if missing:
        raise Refused(f"{where}: notify: environment variable {missing[0]} is not set; nothing was raised or sent")
    # the file names variables precisely so that tokens live in the environment, not in the file
    return _VARIABLE.sub(lambda m: os.environ[m.group(1)], value).strip()


def targets(path: Path | None, notify_urls: Sequence[str], check: bool = True) -> list[Target]:
    """ECEI_NOTIFY's channels (`notify_urls`, already checked) and the file's subscribers, each
    checked (unless `check` is False: naming them needs no Apprise): Refused naming the line of the
    first that cannot work, before anything is sent."""
    found = [
        Target(NOTIFY_NAME, channel_id(u), u, channel_name(u), hears_everything=True)
        for u in dict.fromkeys(notify_urls)
    ]
    if path is None:
        return found
    for sub, line in read(path):
        where = f"{path}, line {line} ({sub.name})"
        url = _expand(sub.notify, where)
        problem = unusable(url) if check else None
        if problem:
            raise Refused(f"{where}: {problem}; nothing was raised or sent")
        found.append(
            Target(
                sub.name,
                key_of(sub.name),
                url,
                channel_name(url),
                sub.mode,
                country_ids=list(sub.countries),
                portfolios={search_key(p) for p in sub.portfolios},
                clusters=list(sub.clusters),
                kinds=set(sub.kinds),
                within=set(sub.within),
                line=line,
                formerly=list(sub.formerly),
            )
        )
    return found


def resolve(con: Any, path: Path | None, found: Sequence[Target]) -> None:
    """Turn each target's countries and clusters (names or ids, as ecei.history.names reads them) into what
    an alert carries; Refused naming the line of one that names nothing the warehouse knows."""
    countries = known_countries(con)
    listed_ids = {r[0] for r in con.execute("select distinct cluster_id from cluster_history").fetchall()}
    for t in found:
        where = f"{path}, line {t.line} ({t.subscription})"
        for given in t.country_ids:
            try:
                ids = set(resolve_country(con, given, countries))
            except Refused as exc:
                raise Refused(f"{where}: countries: {exc}; nothing was raised or sent") from None
            t.countries |= {search_key(name) for name, i in countries if i in ids}
        for given in t.clusters:
            ids = {given} if given in listed_ids else set(find_clusters(con, given))
            if not ids:
                raise Refused(
                    f"{where}: clusters: no cluster named or with the id {given!r}; nothing was raised or sent"
                )
            t.cluster_ids |= ids


def wants(target: Target, alert: Alert) -> bool:
    """Whether the target's filters choose the alert (no filter: every alert). `within` narrows the
    expiring alerts to its rungs; the other kinds have no rung and pass it."""
    if target.kinds and alert.kind not in target.kinds:
        return False
    if target.within and alert.threshold_days is not None and alert.threshold_days not in target.within:
        return False
    if target.countries and search_key(alert.country or "") not in target.countries:
        return False
    if target.portfolios and search_key(alert.portfolio or "") not in target.portfolios:
        return False
    return not target.cluster_ids or alert.cluster_id in target.cluster_ids


def label(target: Target) -> str:
    """How people read a recipient: its channel (scheme and server), a subscription's with its name."""
    return target.channel if target.hears_everything else f"{target.subscription} ({target.channel})"
