"""The rule language, the policy files, and the two evaluators' agreement (no database)."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from onething.policies import words
from onething.policies.bulk import amount_column, evaluate, flag_column
from onething.policies.engine import Outcome, Policy, Standing, Verdict, check, context_for, typed_attributes
from onething.policies.expr import RuleError, parse
from onething.policies.frame import SCHEMA, attributes_frame
from onething.policies.source import read_policies
from onething.policies.spec import Mode, ParamSpec
from onething.policies.synthetic import enterprises

ROOT = Path(__file__).resolve().parents[1]
SEEDED = read_policies(ROOT / "policies")
POLICIES = {w.policy.code: w.policy for w in SEEDED.policies}


def _checker_error(text: str) -> str:
    from onething.policies.engine import ATTRIBUTE_TYPES
    from onething.policies.expr import Checker

    with pytest.raises(RuleError) as caught:
        Checker(ATTRIBUTE_TYPES, {"cap": "double", "codes": "list<string>"}).type_of(parse(text))
    return str(caught.value)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("revnue > 1.0", "未知的企业属性 revnue（是否想写 revenue？）"),
        ("p.cap2 > 1.0", "未定义的参数 p.cap2"),
        ("staff_count * 0.5 > 1.0", "整数与小数不能直接运算"),
        ("double(staff_count) / 2 > 1.0", "整数与小数不能直接运算"),
        ("staff_count / 2 > 1", "“/” 只用于小数"),
        ("status == 1", "不能比较文字与整数"),
        ("industry.startsWith(1)", "startsWith() 用于文字"),
        ('industry in ["A", 1]', "列表不能为空，元素类型也必须一致"),
        ("staff_count in p.codes", "“in” 要求左边是文字"),
        ("high_tech && revenue", "“&&” 两边都必须是是/否"),
        ("revenue > 1.0 ? 1 : 2.0", "两个分支类型不同"),
        ("!revenue", "“!” 不能用于小数"),
        ("size(revenue) > 0", "size() 需要一个文字或列表"),
        ("min(revenue, 1) > 0.0", "min() 需要两个同类型的数字"),
    ],
)
def test_type_errors_name_the_fault(text: str, fragment: str) -> None:
    assert fragment in _checker_error(text)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("exec('rm')", "不允许的函数 exec()"),
        ("industry.matches('C.*')", "不允许的函数 matches()"),
        ("revenue.foo", "只有参数可以这样写"),
        ("revenue > ", "此处应为值或名称"),
        ("revenue > 1.0 )", "多余的内容"),
        ("revenue == null", "不能写 null"),
        ("revenue > 1 ; drop", "无法识别的字符"),
        ("", "规则为空"),
    ],
)
def test_syntax_and_allow_list(text: str, fragment: str) -> None:
    with pytest.raises(RuleError) as caught:
        parse(text)
    assert fragment in str(caught.value)


def test_seeded_policies_are_valid_and_enough() -> None:
    assert SEEDED.problems == []
    assert len(POLICIES) >= 30
    modes = {m: sum(p.mode is m for p in POLICIES.values()) for m in Mode}
    assert all(count > 0 for count in modes.values()), modes
    assert sum(len(p.spec.params) > 0 for p in POLICIES.values()) >= 10


BAD_FILE = """\
policies:
  - code: demo_policy
    name: 示例
    department: human_resources
    region: "430000"
    basis: 测试
    summary: 测试
    effective_from: 2024-01-01
    mode: 免申即享
    conditions:
      - {name: 存续, when: 'status == "存续"'}
      - {name: 规模, when: 'staff_cnt > 10'}
      - {name: 收入, when: 'revenue * 2 > 10.0'}
    benefit: {amount: 'exec(1)', text: 测试}
    tests:
      - name: 样例
        given: {status: 存续, colour: red}
        expect: {eligible: true, failed: [不存在]}
  - code: second
    name: 缺少字段
"""


def test_file_errors_say_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_FILE, encoding="utf-8")
    found = read_policies(path, base=tmp_path)
    got = {(p.line, p.message.split("：")[0]) for p in found.problems}
    lines = {p.line for p in found.problems}
    assert all(p.file == "bad.yaml" for p in found.problems)
    assert 12 in lines  # unknown attribute, on the rule's own line
    assert 13 in lines  # int * double
    assert 14 in lines  # function not allowed in the amount
    assert 19 in lines  # the second policy misses required keys
    assert any("staff_cnt" in p.message for p in found.problems if p.line == 12), got
    assert found.policies == []


def test_test_problems_are_reported(tmp_path: Path) -> None:
    text = BAD_FILE.split("  - code: second")[0]
    text = text.replace("'staff_cnt > 10'", "'staff_count > 10'").replace(
        "'revenue * 2 > 10.0'", "'revenue * 2.0 > 10.0'"
    )
    text = text.replace("'exec(1)'", "1000")
    (tmp_path / "t.yaml").write_text(text, encoding="utf-8")
    found = read_policies(tmp_path / "t.yaml", base=tmp_path)
    messages = [str(p) for p in found.problems]
    assert any("t.yaml:16" in m and "未知的企业属性 colour" in m for m in messages), messages
    assert any("没有名为“不存在”的条件" in m for m in messages), messages


def test_dated_parameters_take_the_value_in_effect() -> None:
    policy = next(p for p in POLICIES.values() if any(len(s.values) > 1 for s in p.spec.params.values()))
    name, param = next((n, s) for n, s in policy.spec.params.items() if len(s.values) > 1)
    dates = sorted(param.values)
    assert policy.params_on(dates[1])[name] == pytest.approx(param.values[dates[1]])
    assert policy.params_on(dates[1] - dt.timedelta(days=1))[name] == pytest.approx(param.values[dates[0]])


WORDED = """\
policies:
  - code: worded
    name: 示例
    department: human_resources
    region: "430000"
    basis: 测试
    summary: 测试
    effective_from: 2024-01-01
    mode: 免申即享
    params:
      cap: {label: 营业收入上限, unit: 万元, values: {2024-01-01: 2000.0, 2025-01-01: 2500.0}}
    conditions:
      - name: 存续
        words: 企业登记状态为存续
        when: 'status == "存续"'
      - name: 规模
        when: 'staff_count > 10'
      - {name: 收入, words: '!dishonest && revenue <= p.cap', when: 'revenue <= p.cap'}
      - {name: 上限, words: '上年度营业收入不超过 {cap2} 万元', when: 'revenue <= p.cap'}
      - {name: 规上, words: above_scale 为真, when: 'above_scale'}
    benefit: {amount: 1000, text: 测试}
"""


def test_a_condition_without_words_is_refused_at_its_line(tmp_path: Path) -> None:
    """The public reads words, never the rule: a condition without them (or with rule text for words, or a
    placeholder naming no parameter) is refused, file:line, like any other fault."""
    (tmp_path / "w.yaml").write_text(WORDED, encoding="utf-8")
    found = read_policies(tmp_path / "w.yaml", base=tmp_path)
    by_line = {p.line: str(p) for p in found.problems}
    assert set(by_line) == {16, 18, 19, 20}, by_line
    assert by_line[16].startswith("w.yaml:16: ") and "条件“规模”：缺少 words" in by_line[16]
    assert "含有规则代码" in by_line[18]
    assert "{cap2} 不是本政策的参数" in by_line[19]
    assert "含有规则代码“above_scale”" in by_line[20]


def test_words_with_parameters_read_the_value_of_the_day(tmp_path: Path) -> None:
    text = WORDED.replace("      - name: 规模\n        when: 'staff_count > 10'\n", "").split("      - {name: 收入")[0]
    text += "      - {name: 上限, words: '上年度营业收入不超过 {cap} 万元', when: 'revenue <= p.cap'}\n"
    text += "    benefit: {amount: 1000, text: 测试}\n"
    (tmp_path / "ok.yaml").write_text(text, encoding="utf-8")
    found = read_policies(tmp_path / "ok.yaml", base=tmp_path)
    assert found.problems == []
    policy = found.policies[0].policy
    names = words.Names({"430000": "湖南省"})
    assert words.condition_words(policy, 0, dt.date(2024, 6, 1), names) == "企业注册地在湖南省"
    assert words.condition_words(policy, 2, dt.date(2024, 6, 1), names) == "上年度营业收入不超过 2,000 万元"
    assert words.condition_words(policy, 2, dt.date(2025, 6, 1), names) == "上年度营业收入不超过 2,500 万元"


def test_every_seeded_condition_reads_as_plain_chinese() -> None:
    names = words.Names({"430000": "湖南省", "430100": "长沙市", "430200": "株洲市", "430202": "株洲市荷塘区"})
    for policy in POLICIES.values():
        for index, cond in enumerate(policy.conditions):
            text = words.condition_words(policy, index, dt.date(2026, 6, 1), names)
            assert text and "{" not in text and cond.rule.text not in text, (policy.code, text)
            assert not words.faults(text, ()), (policy.code, text)


def test_figures_people_read() -> None:
    names = words.Names({"430202": "株洲市荷塘区"}, {"food_business_permit": "食品经营许可证"})
    assert words.figure("revenue", 1280.0, names) == "上年度营业收入 1,280 万元"
    assert words.figure("tax_paid", 9.6, names) == "上年度实缴税额 9.6 万元"
    assert words.figure("layoff_rate", 0.0, names) == "上年度裁员率 0%"
    assert words.figure("founded_year", 2023, names) == "成立年份 2023 年"
    assert words.figure("region", "430202", names) == "注册地：株洲市荷塘区"
    assert words.figure("licenses", ["food_business_permit"], names) == "持有的有效电子证照：食品经营许可证"
    assert words.figure("licenses", [], names) == "持有的有效电子证照：无"
    assert words.figure("industry", "H6210", names) == "所属行业：住宿和餐饮业（行业代码 H6210）"
    assert words.figure("dishonest", False, names) == "列入严重失信主体名单：否"
    assert words.figure("rd_expense", None, names) == "上年度研发费用：暂无数据（税务局未提供）"
    assert words.param_value(0.6, "") == "60%" and words.param_value(5.5, "%") == "5.5%"
    assert words.param_value(500000.0, "元") == "500,000 元" and words.param_value(2025, "") == "2025"
    assert words.duration(0) == "即办" and words.duration(5) == "5 个工作日"


def test_a_policy_ends_with_its_date_or_when_a_dated_parameter_runs_out() -> None:
    refund = POLICIES["hn_unemployment_insurance_refund"]  # effective_until 2026-12-31
    assert refund.last_day == dt.date(2026, 12, 31)
    assert refund.standing(dt.date(2026, 12, 31)) is Standing.active
    assert refund.standing(dt.date(2027, 1, 1)) is Standing.ended and not refund.in_effect(dt.date(2027, 1, 1))
    assert refund.standing(dt.date(2022, 12, 31)) is Standing.upcoming
    # No end date, but the award year is dated through 2026 only: in 2027 it would pay 2025's entrants again.
    award = POLICIES["hn_above_scale_first_award"]
    assert award.spec.effective_until is None and award.last_day == dt.date(2026, 12, 31)
    assert award.in_effect(dt.date(2026, 6, 1)) and award.standing(dt.date(2027, 1, 1)) is Standing.ended
    assert POLICIES["hn_specialized_sme_award"].last_day is None  # open-ended


def test_a_parameter_cannot_end_before_its_last_value() -> None:
    with pytest.raises(ValueError, match="until 早于最后一个取值"):
        ParamSpec.model_validate({"label": "年份", "values": {"2026-01-01": 2025}, "until": "2025-12-31"})


# ---------------------------------------------------------------- both evaluators


def bulk_verdicts(policy: Policy, frame: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    return evaluate(frame, [policy], day).collect()


def _bulk_row_verdict(policy: Policy, row: dict[str, Any]) -> tuple[list[Outcome], Outcome, float | None]:
    def outcome(v: bool | None) -> Outcome:
        return Outcome.unknown if v is None else Outcome.true if v else Outcome.false

    flags = [outcome(row[flag_column(policy.code, i)]) for i in range(len(policy.conditions))]
    return flags, outcome(row[policy.code]), row[amount_column(policy.code)]


def _same_amount(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (
        a is not None and b is not None and math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)
    )


CASES = [(code, i) for code, policy in sorted(POLICIES.items()) for i in range(len(policy.spec.tests))]


@pytest.mark.parametrize(("code", "index"), CASES, ids=[f"{c}-{i}" for c, i in CASES])
def test_policy_examples_through_both_evaluators(code: str, index: int) -> None:
    policy = POLICIES[code]
    test = policy.spec.tests[index]
    day = test.as_of or policy.spec.effective_from
    given = typed_attributes(test.given)
    single: Verdict = check(policy, given, day)
    row = bulk_verdicts(policy, pl.DataFrame([given], schema=SCHEMA), day).row(0, named=True)
    flags, overall, amount = _bulk_row_verdict(policy, row)

    expected = {True: Outcome.true, False: Outcome.false, None: Outcome.unknown}[test.expect.eligible]
    assert single.outcome is expected, single
    assert overall is expected
    assert [c.outcome for c in single.conditions] == flags
    if test.expect.amount is not None:
        assert single.amount == pytest.approx(test.expect.amount, abs=0.01)
        assert amount == pytest.approx(test.expect.amount, abs=0.01)
    assert _same_amount(single.amount, amount)
    if test.expect.failed is not None:
        assert sorted(single.failed) == sorted(test.expect.failed)


@pytest.mark.parametrize("day", [dt.date(2024, 6, 30), dt.date(2026, 11, 22)])
def test_cross_check_ten_thousand_enterprises(day: dt.date) -> None:
    """Random enterprises (5% of every figure missing): per condition, per policy, per amount, both agree."""
    raw = enterprises(
        10_000,
        seed=day.toordinal(),
        regions=["430102", "430202", "430602", "430121", "431002"],
        as_of=day,
        missing=0.05,
    )
    frame = attributes_frame(raw, day).collect()
    policies = [p for p in POLICIES.values() if p.in_effect(day)] or list(POLICIES.values())
    result = evaluate(frame, policies, day).collect()
    disagreements: list[str] = []
    seen = dict.fromkeys(Outcome, 0)
    for attrs, row in zip(frame.iter_rows(named=True), result.iter_rows(named=True), strict=True):
        assert attrs["credit_code"] == row["credit_code"]
        typed = typed_attributes(attrs)
        context = context_for(typed)
        for policy in policies:
            single = check(policy, typed, day, context)
            flags, overall, amount = _bulk_row_verdict(policy, row)
            seen[single.outcome] += 1
            if (
                [c.outcome for c in single.conditions] != flags
                or single.outcome is not overall
                or not _same_amount(single.amount, amount)
            ):
                disagreements.append(f"{policy.code} {attrs['credit_code']}: {single} vs {flags} {overall} {amount}")
    assert disagreements == [], disagreements[:5]
    assert all(count > 100 for count in seen.values()), seen  # all three outcomes were exercised


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('status == "\\u5b58"', "不支持的转义"),
        ('licenses == ["a"]', "列表常量只能写在 in 的右边"),
        ('size(["a", "b"]) == 2', "列表常量只能写在 in 的右边"),
        ("revenue / tax_paid > 1.0", "只能除以非零常数或非零参数"),
        ("revenue / 0.0 > 1.0", "只能除以非零常数或非零参数"),
    ],
)
def test_constructs_the_evaluators_would_read_differently_are_refused(text: str, fragment: str) -> None:
    from onething.policies.engine import ATTRIBUTE_TYPES
    from onething.policies.expr import Checker

    with pytest.raises(RuleError) as caught:
        Checker(ATTRIBUTE_TYPES, {}).type_of(parse(text))
    assert fragment in str(caught.value)


# ---------------------------------------------------------------- random rules


INTS = [
    "staff_count",
    "founded_year",
    "years_operating",
    "insured_staff",
    "new_hires",
    "key_group_hires",
    "above_scale_year",
]
DOUBLES = [
    "registered_capital",
    "revenue",
    "tax_paid",
    "rd_expense",
    "social_insurance_paid",
    "layoff_rate",
    "guaranteed_loan",
    "export_value",
]
STRINGS = {
    "status": ["存续", "注销"],
    "scale": ["小型", "微型", "大型"],
    "tax_credit": ["A", "B", "D"],
    "industry": ["C", "H62", "I6513", "F"],
    "enterprise_type": ["有限责任公司", "个体工商户"],
}
BOOLS = ["above_scale", "high_tech", "specialized", "dishonest", "major_violation"]


class RuleMaker:
    """Random well-typed rules over the whole grammar, to find inputs where the evaluators part ways."""

    def __init__(self, seed: int) -> None:
        import random

        self.rng = random.Random(seed)

    def number(self, kind: str, depth: int) -> str:
        r = self.rng
        if depth <= 0 or r.random() < 0.35:
            if r.random() < 0.6:
                return r.choice(INTS if kind == "int" else DOUBLES)
            return str(r.randint(-3, 2030)) if kind == "int" else f"{r.uniform(-5, 500):.2f}"
        choice = r.randrange(7)
        a, b = self.number(kind, depth - 1), self.number(kind, depth - 1)
        if choice == 0:
            return f"({a} {r.choice('+-')} {b})"
        if choice == 1:
            return f"({a} * {r.randint(-2, 3) if kind == 'int' else round(r.uniform(-2, 3), 2)})"
        if choice == 2:
            return f"{r.choice(['min', 'max'])}({a}, {b})"
        if choice == 3:
            return f"({self.boolean(depth - 1)} ? {a} : {b})"
        if choice == 4:
            return f"(-{a})"
        if choice == 5 and kind == "double":
            return f"({a} / {r.choice(['2.5', '0.5', '-4.0'])})"
        if choice == 6:
            return (
                f"double({self.number('int', depth - 1)})" if kind == "double" else f"int({self.number('double', 0)})"
            )
        return a

    def boolean(self, depth: int) -> str:
        r = self.rng
        choice = r.randrange(9 if depth > 0 else 5)
        kind = r.choice(["int", "double"])
        if choice == 0:
            op = r.choice(["<", "<=", ">", ">=", "==", "!="])
            return f"{self.number(kind, depth)} {op} {self.number(r.choice(['int', 'double']), depth)}"
        if choice == 1:
            name = r.choice(list(STRINGS))
            return f'{name} {r.choice(["==", "!="])} "{r.choice(STRINGS[name])}"'
        if choice == 2:
            name = r.choice(list(STRINGS))
            return f'{name}.{r.choice(["startsWith", "endsWith", "contains"])}("{r.choice(STRINGS[name])[:2]}")'
        if choice == 3:
            name = r.choice(list(STRINGS))
            return f"{name} in [{', '.join(repr(v).replace(chr(39), chr(34)) for v in STRINGS[name][:2])}]"
        if choice == 4:
            return r.choice([*BOOLS, '"food_business_permit" in licenses', "size(licenses) > 1", "size(industry) == 5"])
        if choice == 5:
            return f"!({self.boolean(depth - 1)})"
        if choice == 6:
            return f"({self.boolean(depth - 1)} && {self.boolean(depth - 1)})"
        if choice == 7:
            return f"({self.boolean(depth - 1)} || {self.boolean(depth - 1)})"
        return f"({self.boolean(depth - 1)} ? {self.boolean(depth - 1)} : {self.boolean(depth - 1)})"


def _random_policies(seed: int, count: int) -> list[Policy]:
    from onething.policies.engine import compile_policy
    from onething.policies.spec import PolicySpec

    maker = RuleMaker(seed)
    out = []
    for i in range(count):
        spec = {
            "code": f"random_{i}",
            "name": "随机",
            "department": "finance",
            "region": "430000",
            "basis": "测试",
            "summary": "随机生成的规则",
            "effective_from": "2020-01-01",
            "mode": "免申即享",
            "conditions": [{"name": f"条件{j}", "when": maker.boolean(3)} for j in range(5)],
            "benefit": {"amount": maker.number("double", 3), "text": "随机"},
        }
        out.append(compile_policy(PolicySpec.model_validate(spec)))
    return out


def test_random_rules_agree_on_awkward_data() -> None:
    """200 random rules (the whole grammar, nested 3 deep) over 2,000 enterprises with 20 % of every figure
    missing, negative and zero figures, NaN and empty license lists: condition by condition, both agree."""
    day = dt.date(2026, 11, 22)
    raw = enterprises(2_000, seed=11, regions=["430102", "430202"], as_of=day, missing=0.2)
    awkward = raw.with_columns(
        pl.when(pl.int_range(pl.len()) % 7 == 0).then(-pl.col("revenue")).otherwise(pl.col("revenue")).alias("revenue"),
        pl.when(pl.int_range(pl.len()) % 11 == 0).then(float("nan")).otherwise(pl.col("tax_paid")).alias("tax_paid"),
        pl.when(pl.int_range(pl.len()) % 5 == 0).then(0).otherwise(pl.col("staff_count")).alias("staff_count"),
        pl.when(pl.int_range(pl.len()) % 3 == 0)
        .then(pl.lit([], dtype=pl.List(pl.String)))
        .otherwise(pl.col("licenses"))
        .alias("licenses"),
    )
    frame = attributes_frame(awkward, day).collect()
    policies = _random_policies(seed=5, count=40)
    result = evaluate(frame, policies, day).collect()
    disagreements = []
    for attrs, row in zip(frame.iter_rows(named=True), result.iter_rows(named=True), strict=True):
        typed = typed_attributes(attrs)
        context = context_for(typed)
        for policy in policies:
            single = check(policy, typed, day, context)
            flags, overall, amount = _bulk_row_verdict(policy, row)
            if overall is not single.outcome:
                disagreements.append(
                    f"{policy.code} on {attrs['credit_code']}: bulk {overall}, single {single.outcome}"
                )
            for cond, got, want in zip(policy.conditions, flags, [c.outcome for c in single.conditions], strict=True):
                if got is not want:
                    disagreements.append(f"{cond.rule.text} on {attrs['credit_code']}: bulk {got}, single {want}")
            if not _same_amount(single.amount, amount):
                disagreements.append(f"{policy.amount.text}: bulk {amount}, single {single.amount}")
    assert disagreements == [], disagreements[:5]


def test_snapshot_written_in_batches_is_the_same_snapshot(tmp_path: Path) -> None:
    from onething.policies import store

    day = dt.date(2026, 11, 22)
    frame = attributes_frame(
        enterprises(1_000, seed=3, regions=["430102"], as_of=day), day, keep_founded=True
    ).collect()
    whole, digest = store.write_snapshot(frame, tmp_path / "a")
    ordered = frame.sort("credit_code")
    writer = store.SnapshotWriter(tmp_path / "b")
    for offset in range(0, ordered.height, 137):
        writer.add(ordered.slice(offset, 137))
    parts, same = writer.finish()
    assert same == digest and len(list(parts.glob("part-*.parquet"))) == 8
    assert store.scan_snapshot(parts).collect().equals(store.scan_snapshot(whole).collect())
    again, _ = store.write_snapshot(frame, tmp_path / "a")  # the same data keeps one snapshot
    assert again == whole and len(list((tmp_path / "a").iterdir())) == 1

    backwards = store.SnapshotWriter(tmp_path / "c")
    backwards.add(ordered.slice(500, 10))
    with pytest.raises(ValueError, match="credit-code order"):
        backwards.add(ordered.slice(0, 10))
    backwards.abandon()
    assert list((tmp_path / "c").iterdir()) == []
