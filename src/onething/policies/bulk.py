"""The bulk evaluator: every policy's rules compiled to Polars expressions over the whole enterprise table.

The result has one row per enterprise keyed by ``credit_code`` (never by position) and, for each policy, one
flag column per named condition (``<code>#<i>``: true / false / null = unknown), the policy's outcome
(``<code>``) and the amount when eligible (``<code>$``). A missing attribute is null (``frame`` turns NaN into
null too) and nulls propagate as in the single evaluator (``engine.check``): ``&``/``|`` are Kleene
(``false & null`` is false, as CEL's ``false && x``); every other operation on null is null — including the
conditional, ``in`` and ``min``/``max``, which Polars would otherwise decide.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from functools import reduce
from typing import Any, Final

import polars as pl

from onething.policies.attributes import BOOL, DOUBLE, DOUBLES, INT, INTS, STRING, STRINGS
from onething.policies.engine import Policy
from onething.policies.expr import Attr, Binary, Call, ListLit, Lit, Node, Param, Ternary, Unary

KEY: Final = "credit_code"
DTYPES: Final[dict[str, Any]] = {
    INT: pl.Int64,
    DOUBLE: pl.Float64,
    STRING: pl.String,
    BOOL: pl.Boolean,
    STRINGS: pl.List(pl.String),
    INTS: pl.List(pl.Int64),
    DOUBLES: pl.List(pl.Float64),
}


def flag_column(code: str, index: int) -> str:
    return f"{code}#{index}"


def amount_column(code: str) -> str:
    return f"{code}$"


class _Compiler:
    def __init__(self, params: Mapping[str, Any], param_types: Mapping[str, str]) -> None:
        self.params = params
        self.param_types = param_types

    def literal(self, value: Any, type_: str) -> pl.Expr:
        return pl.lit(value, dtype=DTYPES[type_])

    def expr(self, node: Node) -> pl.Expr:
        if isinstance(node, Lit):
            return self.literal(node.value, node.type)
        if isinstance(node, Attr):
            return pl.col(node.name)
        if isinstance(node, Param):
            return self.literal(self.params[node.name], self.param_types[node.name])
        if isinstance(node, Unary):
            inner = self.expr(node.operand)
            return ~inner if node.op == "!" else -inner
        if isinstance(node, Ternary):
            test = self.expr(node.test)
            return (
                pl.when(test.is_null())
                .then(None)
                .when(test)
                .then(self.expr(node.then))
                .otherwise(self.expr(node.otherwise))
            )
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, ListLit):  # pragma: no cover - only as the right side of "in", handled there
            raise TypeError("a list literal outside 'in'")
        return self.binary(node)

    def values(self, node: Node) -> list[Any] | None:
        """The constant members of a list literal or list parameter, else None (a list column)."""
        if isinstance(node, ListLit):
            return [item.value for item in node.items]
        if isinstance(node, Param):
            return list(self.params[node.name])
        return None

    def binary(self, node: Binary) -> pl.Expr:
        if node.op == "in":
            left = self.expr(node.left)
            members = self.values(node.right)
            found = left.is_in(members) if members is not None else self.expr(node.right).list.contains(left)
            return pl.when(left.is_null()).then(None).otherwise(found)
        left, right = self.expr(node.left), self.expr(node.right)
        return _BINARY[node.op](left, right)

    def call(self, node: Call) -> pl.Expr:
        args = [self.expr(a) for a in node.args]
        fn = node.function
        if fn == "startsWith":
            return args[0].str.starts_with(args[1])
        if fn == "endsWith":
            return args[0].str.ends_with(args[1])
        if fn == "contains":
            return args[0].str.contains(args[1], literal=True)
        if fn == "size":
            if _is_list(node.args[0], self):
                return args[0].list.len().cast(pl.Int64)
            return args[0].str.len_bytes().cast(pl.Int64)  # the cel package counts UTF-8 bytes
        if fn == "int":
            return args[0].cast(pl.Int64, strict=False)  # truncates toward zero, as CEL's int() does
        if fn == "double":
            return args[0].cast(pl.Float64)
        either_null = args[0].is_null() | args[1].is_null()
        keep_first = args[0] <= args[1] if fn == "min" else args[0] >= args[1]
        return pl.when(either_null).then(None).when(keep_first).then(args[0]).otherwise(args[1])


def _is_list(node: Node, compiler: _Compiler) -> bool:
    from onething.policies.engine import ATTRIBUTE_TYPES

    if isinstance(node, ListLit):
        return True
    if isinstance(node, Attr):
        return ATTRIBUTE_TYPES[node.name].startswith("list")
    if isinstance(node, Param):
        return compiler.param_types[node.name].startswith("list")
    return False


_BINARY: Final[dict[str, Callable[[pl.Expr, pl.Expr], pl.Expr]]] = {
    "&&": lambda a, b: a & b,
    "||": lambda a, b: a | b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
}


def _all(flags: list[pl.Expr]) -> pl.Expr:
    """Kleene AND: false if any is false, else null if any is null, else true (``engine.combine``)."""
    return reduce(lambda a, b: a & b, flags)


def policy_columns(policy: Policy, day: dt.date) -> list[pl.Expr]:
    compiler = _Compiler(policy.params_on(day), policy.param_types)
    flags = [
        compiler.expr(cond.rule.tree).alias(flag_column(policy.code, i)) for i, cond in enumerate(policy.conditions)
    ]
    outcome = _all([pl.col(flag_column(policy.code, i)) for i in range(len(flags))]).alias(policy.code)
    amount_expr = compiler.expr(policy.amount.tree).cast(pl.Float64)
    amount = pl.when(pl.col(policy.code)).then(amount_expr).alias(amount_column(policy.code))
    return [*flags, outcome, amount]


def evaluate(frame: pl.LazyFrame | pl.DataFrame, policies: Iterable[Policy], day: dt.date) -> pl.LazyFrame:
    """The flag, outcome and amount columns of every policy for every enterprise of ``frame``."""
    lazy = frame.lazy()
    stages: list[list[pl.Expr]] = [[], [], []]
    for policy in policies:
        flags_outcome_amount = policy_columns(policy, day)
        stages[0].extend(flags_outcome_amount[:-2])
        stages[1].append(flags_outcome_amount[-2])
        stages[2].append(flags_outcome_amount[-1])
    if not stages[0]:
        return lazy.select(KEY)
    # Flags first; outcomes read the flags; amounts read the outcomes — each computed once.
    return lazy.with_columns(stages[0]).with_columns(stages[1]).with_columns(stages[2])


def result_columns(policies: Iterable[Policy]) -> list[str]:
    out = [KEY]
    for policy in policies:
        out.extend(flag_column(policy.code, i) for i in range(len(policy.conditions)))
        out.extend([policy.code, amount_column(policy.code)])
    return out
