"""Check a questionnaire's answers: every error names the question, nothing is guessed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from onething.catalog.model import CompiledQuestion, CompiledThing
from onething.kit.errors import ValidationFailed

Answers = dict[str, str | list[str]]


def _given(value: Any) -> bool:
    return value is not None and value != "" and value != []


def applicable_questions(thing: CompiledThing, raw: Mapping[str, Any]) -> list[CompiledQuestion]:
    """The questions to ask given the answers so far (for step-by-step pages)."""
    answers: Answers = {}
    asked = []
    for q in thing.questions:
        if q.when is not None and not q.when.holds({"answers": answers}):
            continue
        asked.append(q)
        value = raw.get(q.spec.code)
        if _given(value):
            try:
                answers[q.spec.code] = _option_value(q, value)
            except ValidationFailed:
                continue
        elif q.spec.multiple:
            answers[q.spec.code] = []
    return asked


def prune(thing: CompiledThing, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Drop answers to questions that no longer apply (an earlier answer changed)."""
    asked = {q.spec.code for q in applicable_questions(thing, raw)}
    return {k: v for k, v in raw.items() if k in asked and _given(v)}


def normalise_answers(thing: CompiledThing, raw: Mapping[str, Any]) -> Answers:
    """Validated answers: single questions map to an option code, multiple ones to a list."""
    for key in raw:
        if key not in thing.question_index:
            raise ValidationFailed(
                f"「{thing.spec.name}」没有编码为 {key} 的问题", field=f"answers.{key}", code="unknown_question"
            )
    answers: Answers = {}
    for q in thing.questions:
        code = q.spec.code
        applies = q.when is None or q.when.holds({"answers": answers})
        value = raw.get(code)
        if not applies:
            if _given(value):
                raise ValidationFailed(
                    f"按您前面的回答，无需回答「{q.spec.text}」",
                    field=f"answers.{code}",
                    code="question_not_applicable",
                )
            continue
        if not _given(value):
            if q.spec.required:
                raise ValidationFailed(f"请回答：{q.spec.text}", field=f"answers.{code}", code="answer_required")
            if q.spec.multiple:
                answers[code] = []
            continue
        answers[code] = _option_value(q, value)
    return answers


def _option_value(q: CompiledQuestion, value: Any) -> str | list[str]:
    field = f"answers.{q.spec.code}"
    if q.spec.multiple:
        values = value.split(",") if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ValidationFailed(f"「{q.spec.text}」可多选，请给出选项编码的列表", field=field, code="answer_type")
        for v in values:
            _check_option(q, v)
        if len(set(values)) != len(values):
            raise ValidationFailed(f"「{q.spec.text}」的选项重复", field=field, code="answer_duplicate")
        return list(values)
    if not isinstance(value, str):
        raise ValidationFailed(f"「{q.spec.text}」只能选一项，请给出一个选项编码", field=field, code="answer_type")
    _check_option(q, value)
    return value


def _check_option(q: CompiledQuestion, value: str) -> None:
    if value not in q.option_labels:
        offered = "、".join(f"{c}（{label}）" for c, label in q.option_labels.items())
        raise ValidationFailed(
            f"「{q.spec.text}」没有选项 {value}，可选：{offered}",
            field=f"answers.{q.spec.code}",
            code="option_not_offered",
        )
