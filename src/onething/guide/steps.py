"""智能导办 step by step: which question comes next, what was answered, how to go back.

State lives in the query string (answers plus ``seen``, the questions already shown), so every step
is a plain GET and the page needs no JavaScript and no server-side session.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from onething.catalog.model import CompiledQuestion, CompiledThing
from onething.guide.answers import applicable_questions


@dataclass(frozen=True, slots=True)
class Answered:
    question: CompiledQuestion
    labels: tuple[str, ...]  # empty: skipped, or nothing chosen on a multiple-choice question
    change: str  # query string that goes back to this question


@dataclass(frozen=True, slots=True)
class Steps:
    answered: tuple[Answered, ...]
    current: CompiledQuestion | None  # None: every question that applies has been shown
    missing: bool  # the current question was shown and left blank although it is required
    number: int  # 1-based number of the current step
    total: int  # questions that apply given the answers so far (may grow as answers open new ones)
    carried: tuple[tuple[str, str], ...]  # hidden inputs: the answers and ``seen`` so far

    @property
    def query(self) -> str:
        return urlencode([(k, v) for k, v in self.carried if k != "seen"])


def _values(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def _carry(questions: Sequence[CompiledQuestion], answers: Mapping[str, Any]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for q in questions:
        pairs.extend((q.spec.code, v) for v in _values(answers.get(q.spec.code)))
        pairs.append(("seen", q.spec.code))
    return pairs


def guide_steps(thing: CompiledThing, answers: Mapping[str, Any], seen: Sequence[str]) -> Steps:
    """The next question to ask, given pruned ``answers`` and the codes already shown."""
    asked = applicable_questions(thing, answers)
    shown = set(seen)
    done: list[CompiledQuestion] = []
    current: CompiledQuestion | None = None
    missing = False
    for q in asked:
        code = q.spec.code
        blank_required = code not in answers and q.spec.required and not q.spec.multiple
        if code in answers or (code in shown and not blank_required):
            done.append(q)
            continue
        current, missing = q, code in shown
        break
    answered = tuple(
        Answered(
            question=q,
            labels=tuple(q.option_labels.get(v, v) for v in _values(answers.get(q.spec.code))),
            change=urlencode(_carry(done[:i], answers)),
        )
        for i, q in enumerate(done)
    )
    return Steps(
        answered=answered,
        current=current,
        missing=missing,
        number=len(done) + 1,
        total=len(asked),
        carried=tuple(_carry(done, answers)),
    )
