"""Read and compile policy YAML, reporting every problem as ``file:line: message``.

Shape errors come from ``policies.spec``; rule errors (unknown attribute, function not allowed, type mismatch,
a rule CEL cannot compile) from ``policies.engine.compile_policy``, located at the rule's own line. Checks that
need the catalog (the department's org kind, the thing, the region) are ``references``'s, run by the service.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import ValidationError

from onething.catalog.source import Path_, Problem, message_of, nearest_line, read_yaml
from onething.policies import words
from onething.policies.bulk import amount_column, evaluate
from onething.policies.engine import Outcome, Policy, PolicyError, check, compile_policy, typed_attributes
from onething.policies.expr import RuleError
from onething.policies.frame import SCHEMA
from onething.policies.spec import Mode, PolicySpec, PolicyTest


@dataclass(frozen=True)
class Written:
    """A compiled policy, where it was written, and its own YAML text (what a version stores)."""

    policy: Policy
    file: str
    line: int
    text: str


@dataclass
class PolicySet:
    policies: list[Written] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    digest: str = ""


def policy_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*.yaml") if p.is_file())


def read_policies(root: Path, base: Path | None = None) -> PolicySet:
    out = PolicySet()
    sha = hashlib.sha256()
    if not root.exists():
        out.problems.append(Problem(str(root), 1, "目录路径不存在"))
        return out
    for path in policy_files(root):
        name = _display(path, base or Path.cwd())
        raw = path.read_bytes()
        sha.update(path.name.encode() + b"\0" + raw + b"\0")
        read_text(name, raw.decode("utf-8", errors="replace"), out)
    seen: dict[str, Written] = {}
    for written in out.policies:
        code = written.policy.code
        if code in seen:
            first = seen[code]
            out.problems.append(
                Problem(written.file, written.line, f"政策代码 {code} 重复（{first.file}:{first.line} 已使用）")
            )
        seen[code] = written
    out.digest = sha.hexdigest()
    return out


def read_text(name: str, text: str, into: PolicySet) -> None:
    """Read one file's text (also what an edit through the admin page submits)."""
    read = read_yaml(name, text, into.problems)
    if read is None:
        return
    data, lines = read
    entries = data.get("policies")
    if set(data) != {"policies"} or not isinstance(entries, list):
        into.problems.append(Problem(name, 1, "文件顶层应只有 policies: [...]"))
        return
    source_lines = text.splitlines()
    for index, entry in enumerate(entries):  # one policy's mistakes never hide another's
        where: Path_ = ("policies", index)
        try:
            spec = PolicySpec.model_validate(entry)
        except ValidationError as exc:
            into.problems.extend(_located(name, lines, where, exc))
            continue
        try:
            policy = compile_policy(spec)
        except PolicyError as exc:
            into.problems.extend(Problem(name, nearest_line(lines, where + sub), msg) for msg, sub in exc.faults)
            continue
        start = nearest_line(lines, where)
        into.policies.append(Written(policy, name, start, _own_text(source_lines, lines, index, start)))
        into.problems.extend(_word_problems(name, lines, where, spec))
        into.problems.extend(_test_problems(name, lines, where, policy))


def _located(name: str, lines: dict[Path_, int], where: Path_, exc: ValidationError) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = where + tuple(err["loc"])
        out.append(Problem(name, nearest_line(lines, loc), message_of(loc, err)))
    return out


def _own_text(source: list[str], lines: dict[Path_, int], index: int, start: int) -> str:
    """The lines of one policy entry, from its "- code:" to the next entry (a version keeps just its own)."""
    following = lines.get(("policies", index + 1))
    chunk = source[start - 1 : (following - 1) if following else len(source)]
    return "policies:\n" + "\n".join(chunk).rstrip() + "\n"


def _word_problems(name: str, lines: dict[Path_, int], where: Path_, spec: PolicySpec) -> list[Problem]:
    """Every condition carries its words in plain Chinese: the public never reads the rule."""
    problems = []
    for index, cond in enumerate(spec.conditions):
        at = (*where, "conditions", index)
        if cond.words is None:
            missing = f"条件“{cond.name}”：缺少 words（用中文写明条件，供企业和群众阅读）"
            problems.append(Problem(name, nearest_line(lines, at), missing))
            continue
        line = nearest_line(lines, (*at, "words"))
        faults = words.faults(cond.words, spec.params)
        problems += [Problem(name, line, f"条件“{cond.name}”的 words：{fault}") for fault in faults]
    return problems


def _test_problems(name: str, lines: dict[Path_, int], where: Path_, policy: Policy) -> list[Problem]:
    """Each example is run through both evaluators: a version whose examples fail is not accepted."""
    problems = []
    names = {c.name for c in policy.conditions}
    for i, test in enumerate(policy.spec.tests):
        line = nearest_line(lines, (*where, "tests", i))
        problems += [
            Problem(name, line, f"测试“{test.name}”：没有名为“{failed}”的条件")
            for failed in test.expect.failed or []
            if failed not in names
        ]
        try:
            given = typed_attributes(test.given)
        except RuleError as exc:
            problems.append(Problem(name, line, f"测试“{test.name}”：{exc}"))
            continue
        problems += [Problem(name, line, f"测试“{test.name}”：{m}") for m in example_faults(policy, test, given)]
    return problems


def example_faults(policy: Policy, test: PolicyTest, given: dict[str, Any]) -> list[str]:
    """How one example's expectation differs from what the single and the bulk evaluator compute."""
    day = test.as_of or policy.spec.effective_from
    try:
        single = check(policy, given, day)
    except RuleError as exc:
        return [f"无法计算：{exc}"]
    row = evaluate(pl.DataFrame([given], schema=SCHEMA), [policy], day).collect().row(0, named=True)
    bulk = {None: Outcome.unknown, True: Outcome.true, False: Outcome.false}[row[policy.code]]
    expected = {None: Outcome.unknown, True: Outcome.true, False: Outcome.false}[test.expect.eligible]
    faults = []
    if single.outcome is not expected or bulk is not expected:
        faults.append(f"预期“{expected.value}”，单户计算为“{single.outcome.value}”，批量计算为“{bulk.value}”")
    amount = test.expect.amount
    got = (single.amount, row[amount_column(policy.code)])
    if amount is not None and not all(g is not None and abs(g - amount) <= 0.01 for g in got):
        faults.append(f"预期金额 {amount}，单户计算为 {got[0]}，批量计算为 {got[1]}")
    if test.expect.failed is not None and sorted(single.failed) != sorted(test.expect.failed):
        faults.append(f"预期不满足 {test.expect.failed}，实际为 {single.failed}")
    return faults


def references(
    written: Written, *, org_kinds: Collection[str], things: Collection[str], regions: Collection[str]
) -> list[Problem]:
    """What the catalog must know: the department's org kind, the thing to apply through, the region."""
    spec = written.policy.spec
    problems = []
    if spec.department not in org_kinds:
        problems.append(Problem(written.file, written.line, f"{spec.code}: 未知的部门类别 {spec.department}"))
    if spec.thing is not None and spec.thing not in things:
        problems.append(Problem(written.file, written.line, f"{spec.code}: 目录中没有“一件事” {spec.thing}"))
    if spec.mode is Mode.exempt and spec.thing is not None:
        problems.append(Problem(written.file, written.line, f"{spec.code}: 免申即享的政策无需申请，不应指定 thing"))
    if spec.region not in regions:
        problems.append(Problem(written.file, written.line, f"{spec.code}: 未知的行政区划 {spec.region}"))
    return problems


def _display(path: Path, base: Path) -> str:
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)
