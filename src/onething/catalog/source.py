"""Read catalog YAML files, keeping the line of every entry so errors can say ``file:line``."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from onething.catalog.spec import SECTIONS, SourceFile

try:  # the C loader is several times faster; fall back where libyaml is absent
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class Located:
    """An entry of a section and where it was written."""

    value: Any
    file: str
    lines: dict[Path_, int]
    path: Path_

    def line(self, *sub: str | int) -> int:
        """The line of ``sub`` inside this entry, or of its nearest written ancestor."""
        return nearest_line(self.lines, self.path + tuple(sub))

    def problem(self, message: str, *sub: str | int) -> Problem:
        return Problem(self.file, self.line(*sub), message)


@dataclass
class SourceSet:
    """Every entry of every file, by section, in reading order."""

    root: Path
    entries: dict[str, list[Located]] = field(default_factory=lambda: {s: [] for s in SECTIONS})
    problems: list[Problem] = field(default_factory=list)
    digest: str = ""
    files: int = 0


def catalog_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*.yaml") if p.is_file())


def read_sources(root: Path, display_base: Path | None = None) -> SourceSet:
    """Parse and shape-check every file under ``root``; collect every problem, stop at none."""
    root = root.resolve()
    result = SourceSet(root=root)
    sha = hashlib.sha256()
    base = display_base or Path.cwd()
    if not root.exists():
        result.problems.append(Problem(str(root), 1, "目录路径不存在"))
        return result
    for path in catalog_files(root):
        name = _display(path, base)
        raw = path.read_bytes()
        sha.update(str(path.relative_to(root) if root.is_dir() else path.name).encode())
        sha.update(b"\0" + raw + b"\0")
        result.files += 1
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            result.problems.append(Problem(name, line, "文件不是 UTF-8 编码"))
            continue
        _read_file(name, text, result)
    if result.files == 0:
        result.problems.append(Problem(str(root), 1, "没有找到任何 .yaml 目录文件"))
    result.digest = sha.hexdigest()
    return result


def _display(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base.resolve()))
    except ValueError:
        return str(path)


def read_yaml(name: str, text: str, problems: list[Problem]) -> tuple[Any, dict[Path_, int]] | None:
    """Parse one YAML document, indexing the line of every key; syntax errors and repeated keys go to ``problems``."""
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problems.append(Problem(name, line, f"YAML 语法错误：{exc.problem or exc}"))
        return None
    if data is None or node is None:
        return None
    lines: dict[Path_, int] = {}
    duplicates: list[tuple[Path_, int]] = []
    _index_lines(node, (), lines, duplicates)
    for path, line in duplicates:
        where = ".".join(str(p) for p in path)
        problems.append(Problem(name, line, f"{where}: 键重复出现，后一个会覆盖前一个"))
    if not isinstance(data, dict):
        problems.append(Problem(name, 1, "文件顶层必须是映射，如 items: [...]"))
        return None
    return data, lines


def shape_problems(name: str, lines: dict[Path_, int], exc: ValidationError) -> list[Problem]:
    return [
        Problem(name, nearest_line(lines, tuple(err["loc"])), message_of(tuple(err["loc"]), err))
        for err in exc.errors()
    ]


def _read_file(name: str, text: str, into: SourceSet) -> None:
    read = read_yaml(name, text, into.problems)
    if read is None:
        return
    data, lines = read
    try:
        parsed = SourceFile.model_validate(data)
    except ValidationError as exc:
        into.problems.extend(shape_problems(name, lines, exc))
        return
    for section in SECTIONS:
        for index, value in enumerate(getattr(parsed, section)):
            into.entries[section].append(Located(value, name, lines, (section, index)))


def _index_lines(node: yaml.Node, path: Path_, out: dict[Path_, int], duplicates: list[tuple[Path_, int]]) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
                duplicates.append(((*path, key), line))
            seen.add(key)
            _index_lines(value_node, (*path, key), out, duplicates)
            out[(*path, key)] = line
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            _index_lines(child, (*path, index), out, duplicates)


def nearest_line(lines: dict[Path_, int], loc: Path_) -> int:
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return 1


def message_of(loc: Path_, err: Any) -> str:
    where = ".".join(str(p) for p in loc)
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return f"{where}: 未知的键 {loc[-1]!r}"
    if kind == "missing":
        return f"{where}: 缺少必填的键"
    return f"{where}: {err['msg']}"
