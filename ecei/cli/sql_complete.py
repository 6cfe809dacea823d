"""Tab completion in the SQL shell: DuckDB's keywords, the warehouse's views, tables, columns and
macros, the shell's dot commands and, after `.format` or `.schema`, what they take.

The warehouse's words are read once a session, at the first Tab, through the same read-only guard as
every statement (warehouse/shell_words.sql); a warehouse that cannot answer then completes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

# where a word to complete starts: as readline's own, but a `.` is part of the word (`.tables`, `c.name`)
DELIMITERS = " \t\n`~!@#$%^&*()-=+[{]}\\|;:'\",<>/?"


@dataclass
class Completer:
    """readline's completer over the words `load` gives, as (word, kind) pairs; `commands` are the
    shell's dot commands, and `takes` what each one's argument may be ("format", "relation")."""

    load: Callable[[], Sequence[tuple[str, str]]]
    commands: Sequence[str]
    formats: Sequence[str]
    takes: dict[str, str] = field(default_factory=dict)
    _words: list[tuple[str, str]] | None = None
    _found: list[str] = field(default_factory=list)

    def words(self) -> list[tuple[str, str]]:
        if self._words is None:
            self._words = list(self.load())
        return self._words

    def complete(self, text: str, state: int) -> str | None:
        """readline's call: the `state`-th completion of `text`, None past the last."""
        import readline

        if state == 0:
            self._found = self.matches(readline.get_line_buffer(), readline.get_begidx(), text)
            if len(self._found) == 1:  # Python's readline adds no space after the one completion: as a shell does
                self._found = [self._found[0] + " "]
        return self._found[state] if state < len(self._found) else None

    def matches(self, line: str, begin: int, text: str) -> list[str]:
        """What `text`, starting at `begin` of `line`, may become."""
        head = line[:begin].lstrip()
        if not head and text.startswith("."):
            return [c for c in self.commands if c.startswith(text.lower())]
        if head.startswith("."):
            takes = self.takes.get(head.split()[0].lower())
            if takes == "format":
                return [f for f in self.formats if f.startswith(text.lower())]
            if takes == "relation":
                return self._named(text, {"view", "table"})
            return []
        return self._named(text, None)

    def _named(self, text: str, kinds: set[str] | None) -> list[str]:
        qualifier, dot, partial = text.rpartition(".")
        low = partial.lower()
        found: dict[str, None] = {}
        for word, kind in self.words():
            if (kinds is None or kind in kinds) and word.lower().startswith(low):
                if kind == "keyword" and partial[:1].isupper():
                    word = word.upper()  # SEL -> SELECT, sel -> select
                found[qualifier + dot + word] = None
        return sorted(found)
