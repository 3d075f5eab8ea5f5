"""CEL conditions: compiled once, evaluated many times, never Python ``eval``.

A condition reads variables from a mapping (the guide passes ``{"answers": {...}}``). Reading a key
that is absent (a question the applicant was not asked) is not an error: the condition is *not
applicable*, which callers treat as false and can explain.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

import cel


class ConditionSyntaxError(ValueError):
    """The expression does not parse or compile."""


class ConditionEvalError(ValueError):
    """The expression compiled but could not be evaluated on these variables (type mismatch…)."""


class Outcome(Enum):
    true = "true"
    false = "false"
    missing = "missing"  # read a variable or key that is absent


@dataclass(frozen=True, slots=True)
class Condition:
    source: str
    _program: Any

    @classmethod
    def compile(cls, source: str) -> Condition:
        try:
            program = cel.compile(source)
        except (ValueError, RuntimeError) as exc:
            raise ConditionSyntaxError(_first_line(exc)) from exc
        return cls(source, program)

    def outcome(self, variables: Mapping[str, Any] | Any) -> Outcome:
        """Evaluate against a mapping or a prepared ``cel.Context``."""
        try:
            value = self._program.execute(variables)
        except LookupError:  # an absent key, or an index past the end of an empty choice
            return Outcome.missing
        except (TypeError, ValueError, RuntimeError) as exc:
            if "no such key" in str(exc).lower() or "undeclared reference" in str(exc).lower():
                return Outcome.missing
            raise ConditionEvalError(_first_line(exc)) from exc
        if not isinstance(value, bool):
            raise ConditionEvalError(f"结果应为真或假，实际为 {type(value).__name__}")
        return Outcome.true if value else Outcome.false

    def holds(self, variables: Mapping[str, Any] | Any) -> bool:
        return self.outcome(variables) is Outcome.true


def context(variables: Mapping[str, Any]) -> Any:
    """A reusable evaluation context: cheaper than a dict when many conditions read the same data."""
    return cel.Context(variables=dict(variables))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
