"""Compiled policies and the single evaluator: one enterprise, each named condition with its values and outcome.

The single path runs the CEL text itself (``common-expression-language``) — the reference meaning; the bulk
path (``policies.bulk``) compiles the same tree to column expressions, and the test suite checks they agree.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

import cel

from onething.policies.attributes import ATTRIBUTES, BOOL, DOUBLE, DOUBLES, INT, INTS, STRING, STRINGS
from onething.policies.expr import Checker, Node, RuleError, attributes_read, params_read, parse
from onething.policies.spec import Mode, PolicySpec

REGION_CONDITION: Final = "注册地在适用地区内"
ATTRIBUTE_TYPES: Final = {a.name: a.type for a in ATTRIBUTES.values()}


class Outcome(StrEnum):
    true = "true"
    false = "false"
    unknown = "unknown"


class Standing(StrEnum):
    """Where a policy stands on a day: people are offered only an active one."""

    upcoming = "upcoming"  # 尚未施行
    active = "active"
    ended = "ended"  # 已截止: past its end date, or a dated parameter has no value for the day


def region_prefix(region: str) -> str:
    """430000 → "43", 430200 → "4302", 430202 → "430202": the codes inside a region share this prefix."""
    if region.endswith("0000"):
        return region[:2]
    if region.endswith("00"):
        return region[:4]
    return region


@dataclass(frozen=True, slots=True)
class Rule:
    """One CEL text, parsed for the bulk path and compiled for the single path."""

    text: str
    tree: Node
    reads: tuple[str, ...]  # attributes
    params: tuple[str, ...]
    program: Any  # cel.Program

    @classmethod
    def compile(cls, text: str, checker: Checker, want: str) -> Rule:
        tree = parse(text)
        got = checker.type_of(tree)
        if got != want and not (want == DOUBLE and got == INT):
            raise RuleError(f"结果应为{'是/否' if want == BOOL else '金额（小数）'}，实际为 {got}")
        try:
            program = cel.compile(text)
        except (ValueError, RuntimeError) as exc:  # pragma: no cover - the subset parser rejects these first
            raise RuleError(f"CEL 无法编译：{str(exc).splitlines()[0]}") from exc
        return cls(text, tree, attributes_read(tree), params_read(tree), program)


@dataclass(frozen=True, slots=True)
class Condition:
    name: str
    rule: Rule
    # Plain Chinese with {param} placeholders (``policies.words``); None for the automatic region condition,
    # worded from the region's name, and for versions stored before words were required.
    words: str | None = None


@dataclass(frozen=True, slots=True)
class Policy:
    spec: PolicySpec
    conditions: tuple[Condition, ...]
    amount: Rule
    param_types: Mapping[str, str]

    @property
    def code(self) -> str:
        return self.spec.code

    @property
    def mode(self) -> Mode:
        return self.spec.mode

    @property
    def last_day(self) -> dt.date | None:
        """The last day the policy can be applied: its end date, or earlier when a dated parameter runs out
        (after it the rule would read a value nobody set for that day)."""
        ends = [self.spec.effective_until, *(p.until for p in self.spec.params.values())]
        known = [d for d in ends if d is not None]
        return min(known) if known else None

    def standing(self, day: dt.date) -> Standing:
        if day < self.spec.effective_from:
            return Standing.upcoming
        last = self.last_day
        return Standing.ended if last is not None and day > last else Standing.active

    def in_effect(self, day: dt.date) -> bool:
        return self.standing(day) is Standing.active

    def params_on(self, day: dt.date) -> dict[str, Any]:
        """Each parameter's value in effect on ``day``; before its first date, its first value."""
        out: dict[str, Any] = {}
        for name, param in self.spec.params.items():
            dated = sorted(param.values.items())
            value = dated[0][1]
            for start, v in dated:
                if start <= day:
                    value = v
            out[name] = _typed(self.param_types[name], value)
        return out


def _param_type(value: Any) -> str:
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INT
    if isinstance(value, float):
        return DOUBLE
    if isinstance(value, str):
        return STRING
    kinds = {_param_type(v) for v in value}
    if len(kinds) != 1:
        raise RuleError("列表参数不能为空，元素类型也必须一致")
    return {STRING: STRINGS, INT: INTS, DOUBLE: DOUBLES}[kinds.pop()]


def param_types(spec: PolicySpec) -> dict[str, str]:
    """Every parameter's type; all of a parameter's dated values must share it (ints widen to decimals)."""
    out: dict[str, str] = {}
    for name, param in spec.params.items():
        kinds = {_param_type(v) for v in param.values.values()}
        if kinds == {INT, DOUBLE}:
            kinds = {DOUBLE}
        if len(kinds) != 1:
            raise RuleError(f"参数 {name} 各日期的取值类型不一致")
        out[name] = kinds.pop()
    return out


class PolicyError(ValueError):
    """A policy that does not compile: each fault with its path inside the policy (for file:line)."""

    def __init__(self, faults: list[tuple[str, tuple[str | int, ...]]]) -> None:
        super().__init__("；".join(message for message, _ in faults))
        self.faults = faults


def compile_policy(spec: PolicySpec) -> Policy:
    """Type-check and compile every rule; all faults are reported together."""
    try:
        types = param_types(spec)
    except RuleError as exc:
        raise PolicyError([(str(exc), ("params",))]) from exc
    if spec.code in ATTRIBUTE_TYPES:
        raise PolicyError([(f"政策代码不能与企业属性同名：{spec.code}", ("code",))])
    nonzero = frozenset(n for n, p in spec.params.items() if all(v != 0 for v in p.values.values()))
    checker = Checker(ATTRIBUTE_TYPES, types, nonzero)
    region_rule = f'region.startsWith("{region_prefix(spec.region)}")'
    conditions = [Condition(REGION_CONDITION, Rule.compile(region_rule, checker, BOOL))]
    faults: list[tuple[str, tuple[str | int, ...]]] = []
    for index, cond in enumerate(spec.conditions):
        try:
            conditions.append(Condition(cond.name, Rule.compile(cond.when, checker, BOOL), cond.words))
        except RuleError as exc:
            faults.append((f"条件“{cond.name}”：{exc}", ("conditions", index, "when")))
    amount = spec.benefit.amount
    text = amount if isinstance(amount, str) else repr(float(amount))
    try:
        rule = Rule.compile(text, checker, DOUBLE)
    except RuleError as exc:
        faults.append((f"金额公式：{exc}", ("benefit", "amount")))
    if faults:
        raise PolicyError(faults)
    return Policy(spec, tuple(conditions), rule, types)


# ---------------------------------------------------------------- values


def _typed(type_: str, value: Any) -> Any:
    """A value as the rule language's type, so CEL sees ``5.0`` (double) where a policy says 5 of a double."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None  # NaN is no figure at all: missing, as the bulk path reads it
    if type_ == DOUBLE and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if type_ == DOUBLES:
        return [float(v) for v in value]
    if type_ == INT and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


_PY: Final = {INT: int, DOUBLE: float, STRING: str, BOOL: bool}


def typed_attributes(values: Mapping[str, Any]) -> dict[str, Any]:
    """Attributes coerced to their declared types; unknown names and wrong types raise ``RuleError``."""
    out: dict[str, Any] = dict.fromkeys(ATTRIBUTE_TYPES)
    out["licenses"] = []
    for name, value in values.items():
        if name not in ATTRIBUTE_TYPES:
            raise RuleError(f"未知的企业属性 {name}")
        type_ = ATTRIBUTE_TYPES[name]
        v = _typed(type_, value)
        if v is not None and not _fits(type_, v):
            raise RuleError(f"属性 {name} 应为 {type_}，实际为 {value!r}")
        out[name] = v if v is not None or name != "licenses" else []
    return out


def _fits(type_: str, value: Any) -> bool:
    if type_ == STRINGS:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    py = _PY[type_]
    return isinstance(value, py) and (py is bool or not isinstance(value, bool))


# ---------------------------------------------------------------- the single evaluator


@dataclass(frozen=True, slots=True)
class ConditionResult:
    name: str
    text: str
    outcome: Outcome
    values: tuple[tuple[str, Any], ...]  # the attributes it read, with this enterprise's values
    missing: tuple[str, ...]  # of those, the ones nobody supplied


@dataclass(frozen=True, slots=True)
class Verdict:
    code: str
    outcome: Outcome
    amount: float | None  # yuan, when eligible
    conditions: tuple[ConditionResult, ...]

    @property
    def failed(self) -> list[str]:
        return [c.name for c in self.conditions if c.outcome is Outcome.false]


def combine(outcomes: list[Outcome]) -> Outcome:
    """Every condition must hold: one false decides; otherwise one unknown leaves it undecided."""
    if Outcome.false in outcomes:
        return Outcome.false
    if Outcome.unknown in outcomes:
        return Outcome.unknown
    return Outcome.true


def _min(a: Any, b: Any) -> Any:
    return a if a <= b else b


def _max(a: Any, b: Any) -> Any:
    return a if a >= b else b


def context_for(attributes: Mapping[str, Any]) -> Any:
    """A CEL context holding one enterprise's known attributes; reuse it across policies (``check``)."""
    context = cel.Context({name: value for name, value in attributes.items() if value is not None})
    context.add_function("min", _min)
    context.add_function("max", _max)
    return context


_UNDEFINED = "undefined variable"


def _run(rule: Rule, context: Any) -> Any:
    """The rule's value, or None when it depends on an attribute nobody supplied (absent from the context).

    CEL's ``&&`` and ``||`` absorb such an error when the other side decides (``false && x`` is false), so a
    firm known not to be above scale fails "above_scale && above_scale_year == 2025" whatever the year.
    """
    try:
        return rule.program.execute(context)
    except RuntimeError as exc:
        if _UNDEFINED in str(exc).lower():
            return None
        raise RuleError(f"{rule.text}：{str(exc).splitlines()[0]}") from exc
    except (TypeError, ValueError, LookupError, OverflowError) as exc:
        raise RuleError(f"{rule.text}：{str(exc).splitlines()[0]}") from exc


def check(policy: Policy, attributes: Mapping[str, Any], day: dt.date, context: Any = None) -> Verdict:
    """Evaluate ``policy`` for one enterprise (attributes as ``typed_attributes`` returns them) on ``day``.

    ``context``: from ``context_for(attributes)``, when checking many policies for the same enterprise.
    """
    context = context if context is not None else context_for(attributes)
    context.add_variable("p", policy.params_on(day))
    results: list[ConditionResult] = []
    for cond in policy.conditions:
        values = tuple((name, attributes.get(name)) for name in cond.rule.reads)
        missing = tuple(name for name, value in values if value is None)
        value = _run(cond.rule, context)
        outcome = Outcome.unknown if value is None else Outcome.true if value is True else Outcome.false
        results.append(ConditionResult(cond.name, cond.rule.text, outcome, values, missing))
    overall = combine([r.outcome for r in results])
    amount = None
    if overall is Outcome.true:
        value = _run(policy.amount, context)
        amount = None if value is None else float(value)
    return Verdict(policy.code, overall, amount, tuple(results))
