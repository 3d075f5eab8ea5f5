"""What changed between two stored catalog versions: entries added, removed and changed, and for a
changed entry a line diff of its YAML text. Pure: the caller reads the entries.

Entries are matched by (section, code). Synonym groups have no code of their own (their position
serves), so moving one shows as a change, which is what it is for the search index.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml

from onething.catalog.spec import SECTIONS

Key = tuple[str, str]  # (section, code)
Stored = Mapping[Key, tuple[str, Mapping[str, Any]]]  # key -> (name, body)
LineKind = Literal["add", "del", "hunk", "same"]


@dataclass(frozen=True)
class DiffLine:
    kind: LineKind
    text: str


@dataclass(frozen=True)
class EntryRef:
    section: str
    code: str
    name: str


@dataclass(frozen=True)
class ChangedEntry:
    section: str
    code: str
    name: str
    lines: tuple[DiffLine, ...]


@dataclass
class CatalogDiff:
    before: int
    after: int
    added: list[EntryRef] = field(default_factory=list)
    removed: list[EntryRef] = field(default_factory=list)
    changed: list[ChangedEntry] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def as_yaml(body: Mapping[str, Any]) -> str:
    """An entry close to how people write it: YAML, keys in the model's order, Chinese left readable,
    unset (null) fields left out. A field set or cleared still shows as a line added or removed."""
    return yaml.safe_dump(_without_nulls(body), allow_unicode=True, sort_keys=False, width=100)


def _without_nulls(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


_KINDS: dict[str, LineKind] = {"+": "add", "-": "del", "@": "hunk"}


def line_diff(before: str, after: str, context: int = 3) -> tuple[DiffLine, ...]:
    """A unified diff without its file header lines, each line tagged for the page."""
    lines = list(difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=context))
    # The first two lines are the ---/+++ file header, emitted whenever anything differs.
    return tuple(DiffLine(_KINDS.get(line[:1], "same"), line) for line in lines[2:])


def _order(key: Key) -> tuple[int, str, str]:
    section, code = key
    rank = SECTIONS.index(section) if section in SECTIONS else len(SECTIONS)
    return rank, section, code


def compare(before_number: int, before: Stored, after_number: int, after: Stored) -> CatalogDiff:
    diff = CatalogDiff(before_number, after_number)
    for key in sorted(before.keys() | after.keys(), key=_order):
        old, new = before.get(key), after.get(key)
        if old is None and new is not None:
            diff.added.append(EntryRef(key[0], key[1], new[0]))
        elif new is None and old is not None:
            diff.removed.append(EntryRef(key[0], key[1], old[0]))
        elif old is not None and new is not None and old[1] != new[1]:
            diff.changed.append(ChangedEntry(key[0], key[1], new[0], line_diff(as_yaml(old[1]), as_yaml(new[1]))))
    return diff
