"""The benefit-policy matcher (免申即享) at the scale of a province: our bulk evaluator against OpenFisca.

Same rules, same synthetic enterprises, each side in a fresh subprocess so its peak RSS is its own:

1. Data: ``synthetic.enterprises(n, seed=1, regions=REGIONS, as_of=AS_OF, missing=0.03)``, cached as
   ``var/bench/policies/enterprises-<n>-<digest>.parquet`` (generation is not measured).
2. Ours: ``store.write_results`` over the Parquet sorted by credit code (the snapshot a run keeps):
   ``attributes_frame``, ``bulk.evaluate`` every rule, every flag, outcome and amount written part by part as
   Arrow IPC (the explanations a run stores) — the code path of ``policies.runs``.
3. OpenFisca (``bench/policies_openfisca.py``, run by the interpreter of its own virtualenv,
   ``var/bench/openfisca-venv``): a model generated from the same parsed rules — one input Variable per
   attribute read, one Variable per condition (the rule's tree translated to numpy), per outcome and per amount —
   and a simulation of n enterprises that calculates every one of them.

Rule sets: ``seeded`` (the policies under ``policies/`` in effect on AS_OF) and ``<R>x<C>`` (R synthetic rules of
C conditions each, the region condition included, built from the attribute vocabulary; deterministic), e.g.
``200x5`` for the issue's reference: "OpenFisca took 12.7 s and 1.49 GB for 200 five-condition rules over 6 M".

    python bench/policies.py --sizes 1000000 6000000 [--rules seeded 200x5] [--no-openfisca] [--diagnose]

Prints one JSON document and writes it to ``bench/results/policies-<sizes>[-<rules>].json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

sys.path.insert(0, str(Path(__file__).parent))

import polars as pl
from common import machine

from onething.policies import store
from onething.policies.attributes import BOOL, DOUBLE, INT, STRING, STRINGS
from onething.policies.bulk import KEY, evaluate, result_columns
from onething.policies.engine import ATTRIBUTE_TYPES, Policy, compile_policy
from onething.policies.expr import Attr, Binary, Call, ListLit, Lit, Node, Param, Ternary, Unary
from onething.policies.frame import attributes_frame
from onething.policies.source import read_policies
from onething.policies.spec import BenefitSpec, ConditionSpec, Mode, ParamSpec, PolicySpec
from onething.policies.synthetic import enterprises

ROOT: Final = Path(__file__).resolve().parent.parent
WORK: Final = ROOT / "var" / "bench" / "policies"
OPENFISCA_VENV: Final = ROOT / "var" / "bench" / "openfisca-venv"
OPENFISCA_CHILD: Final = Path(__file__).resolve().parent / "policies_openfisca.py"
OPENFISCA_PACKAGES: Final = ("openfisca-core", "numpy", "polars", "pyarrow")
RESULTS: Final = Path(__file__).resolve().parent / "results"

AS_OF: Final = dt.date(2026, 11, 22)
SEED: Final = 1
MISSING: Final = 0.03
# Districts, county-level cities and counties of 14 cities/prefectures (catalog/regions.yaml), so city- and
# county-level policies match.
REGIONS: Final = (
    "430102",  # 长沙 芙蓉区
    "430104",  # 长沙 岳麓区
    "430121",  # 长沙县
    "430181",  # 浏阳市
    "430202",  # 株洲 荷塘区
    "430211",  # 株洲 天元区
    "430302",  # 湘潭 雨湖区
    "430405",  # 衡阳 珠晖区
    "430408",  # 衡阳 蒸湘区
    "430502",  # 邵阳 双清区
    "430602",  # 岳阳 岳阳楼区
    "430702",  # 常德 武陵区
    "430802",  # 张家界 永定区
    "430902",  # 益阳 资阳区
    "430903",  # 益阳 赫山区
    "431002",  # 郴州 北湖区
    "431102",  # 永州 零陵区
    "431202",  # 怀化 鹤城区
    "431302",  # 娄底 娄星区
    "433101",  # 湘西 吉首市
)
RUNS_SMALL: Final = 3  # runs per side up to this many rows (median reported); one run above
SMALL: Final = 1_000_000
GOAL_SPEEDUP: Final = 3.0
GOAL_PEAK_MB: Final = 1024.0
CHILD_TIMEOUT_S: Final = 3 * 3600


def peak_rss_mb() -> float:
    """This process's own peak RSS: VmHWM, the high-water mark of its address space.

    Not ``ru_maxrss``: on Linux that keeps the parent's peak across vfork + exec (subprocess spawns with vfork),
    so a child started by a parent that once held 5 GB would report at least 5 GB.
    """
    try:
        with Path("/proc/self/status").open(encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------------------------------------------------------
# data


def data_path(n: int, *, sorted_: bool = False) -> Path:
    """The cached enterprises (``sorted_``: a copy ordered by credit code, for ``--diagnose``), generated once in a
    child process so this one stays small (6 M rows take a few GB to generate)."""
    path = _data_file(n, sorted_=sorted_)
    if not path.exists():
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "data", "--sizes", str(n)]
        subprocess.run([*cmd, *(["--variant", "sorted"] if sorted_ else [])], check=True, timeout=CHILD_TIMEOUT_S)
    return path


def _data_file(n: int, *, sorted_: bool = False) -> Path:
    """enterprises-<n>-<digest of the generation parameters>[-sorted].parquet: a change of them is a new file."""
    params = json.dumps([SEED, MISSING, AS_OF.isoformat(), REGIONS])
    digest = hashlib.sha256(params.encode()).hexdigest()[:8]
    return WORK / f"enterprises-{n}-{digest}{'-sorted' if sorted_ else ''}.parquet"


def child_data(n: int, *, sorted_: bool) -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    path = _data_file(n)
    if not path.exists():
        frame = enterprises(n, seed=SEED, regions=REGIONS, as_of=AS_OF, missing=MISSING)
        frame.write_parquet(path.with_suffix(".tmp"))
        path.with_suffix(".tmp").replace(path)
        del frame
    if sorted_:
        ordered = _data_file(n, sorted_=True)
        pl.read_parquet(path).sort(KEY).write_parquet(ordered.with_suffix(".tmp"))
        ordered.with_suffix(".tmp").replace(ordered)


# ---------------------------------------------------------------------------------------------------------------
# rule sets

_TEMPLATES: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("登记状态为存续", ('status == "存续"',)),
    ("未列入严重失信主体名单", ("!dishonest",)),
    ("无重大违法违规记录", ("!major_violation",)),
    ("高新技术企业", ("high_tech",)),
    ("专精特新中小企业", ("specialized",)),
    ("规模以上企业", ("above_scale", "above_scale && above_scale_year == 2025", "above_scale_year >= 2020")),
    ("从业人数", ("staff_count >= 5", "staff_count >= 20", "staff_count >= 100", "staff_count <= 300")),
    ("参保职工人数", ("insured_staff >= 1", "insured_staff >= 5", "insured_staff >= 30")),
    ("营业收入", ("revenue >= 100.0", "revenue >= 500.0", "revenue >= 2000.0", "revenue <= 20000.0")),
    ("实缴税额", ("tax_paid > 0.0", "tax_paid >= 10.0", "tax_paid >= 50.0")),
    (
        "研发投入",
        (
            "rd_expense > 0.0",
            "rd_expense >= revenue * 0.03",
            "rd_expense >= revenue * (revenue <= 5000.0 ? 0.06 : 0.05)",
        ),
    ),
    ("裁员率", ("layoff_rate <= 5.5", "layoff_rate <= 5.5 || insured_staff <= 30 && layoff_rate <= 20.0")),
    ("成立年限", ("years_operating >= 1", "years_operating <= 5", "founded_year >= 2024")),
    ("企业规模", ('scale in ["小型", "微型"]', 'scale != "大型"', 'scale in ["中型", "小型", "微型"]')),
    ("纳税信用等级", ('tax_credit in ["A", "B"]', 'tax_credit != "D"', 'tax_credit == "A"')),
    (
        "市场主体类型",
        ('enterprise_type != "个体工商户"', 'enterprise_type in ["有限责任公司", "股份有限公司"]'),
    ),
    (
        "所属行业",
        (
            'industry.startsWith("C")',
            'industry.startsWith("C") || industry.startsWith("I65")',
            'industry.startsWith("F") || industry.startsWith("H")',
            'industry in ["H6110", "H6210", "F5211", "F5212"]',
            'industry.startsWith("A") || industry.startsWith("C13") || industry.startsWith("C14")',
        ),
    ),
    (
        "持有电子证照",
        (
            '"food_business_permit" in licenses',
            '"special_trade_permit_hotel" in licenses || "public_place_health_permit" in licenses',
            '"road_transport_permit" in licenses',
        ),
    ),
    ("缴纳社会保险", ("social_insurance_paid > 0.0", "unemployment_insurance_paid > 0.0")),
    ("吸纳就业", ("key_group_hires >= 1", "new_hires >= 3", "double(key_group_hires) >= double(staff_count) * 0.15")),
    ("创业担保贷款", ("guaranteed_loan > 0.0",)),
    ("出口额", ("export_value >= 10.0", "export_value > 0.0")),
    ("注册资本", ("registered_capital >= 100.0", "registered_capital < 1000.0")),
)
_AMOUNTS: Final = (
    "p.award",
    "min(double(insured_staff) * p.per_unit, p.cap)",
    "min(revenue * 10000.0 * 0.002, p.cap)",
    'scale == "小型" ? p.award : p.award * 0.5',
    "min(double(key_group_hires) * p.per_unit, p.cap)",
)


def synthetic_specs(count: int, conditions: int) -> list[PolicySpec]:
    """``count`` rules of ``conditions`` conditions each (the automatic region condition is one of them)."""
    if not 2 <= conditions <= len(_TEMPLATES) + 1:
        raise ValueError(f"conditions must be between 2 and {len(_TEMPLATES) + 1}")
    rng = random.Random(f"policies-bench-{count}x{conditions}")
    cities = sorted({r[:4] + "00" for r in REGIONS})
    specs = []
    for i in range(count):
        draw = rng.random()
        region = "430000" if draw < 0.5 else rng.choice(cities) if draw < 0.8 else rng.choice(REGIONS)
        award = float(rng.choice((5_000, 10_000, 20_000, 50_000, 100_000)))
        params = {
            "award": ParamSpec(label="奖补金额", values={dt.date(2024, 1, 1): award, dt.date(2026, 1, 1): award * 1.2}),
            "per_unit": ParamSpec(label="每人标准", values={dt.date(2024, 1, 1): float(rng.choice((300, 500, 1000)))}),
            "cap": ParamSpec(label="单户上限", values={dt.date(2024, 1, 1): float(rng.choice((50_000, 100_000)))}),
        }
        chosen = rng.sample(_TEMPLATES, conditions - 1)
        specs.append(
            PolicySpec(
                code=f"bench_rule_{i:04d}",
                name=f"合成规则 {i}",
                department="industry_it",
                region=region,
                basis="基准测试合成规则",
                summary="由属性词汇表确定性生成的规则，用于性能对比。",
                effective_from=dt.date(2024, 1, 1),
                mode=Mode.exempt,
                params=params,
                conditions=[ConditionSpec(name=label, when=rng.choice(texts)) for label, texts in chosen],
                benefit=BenefitSpec(amount=rng.choice(_AMOUNTS), text="合成规则的奖补金额。"),
            )
        )
    return specs


def rule_set(name: str) -> list[Policy]:
    """``seeded``: the policies under policies/ in effect on AS_OF; ``<R>x<C>``: synthetic rules."""
    if name == "seeded":
        read = read_policies(ROOT / "policies", ROOT)
        if read.problems:
            raise SystemExit(
                "policies/ has problems: " + "; ".join(f"{p.file}:{p.line}: {p.message}" for p in read.problems)
            )
        return [w.policy for w in read.policies if w.policy.in_effect(AS_OF)]
    match = re.fullmatch(r"(\d+)x(\d+)", name)
    if match is None:
        raise SystemExit(f"unknown rule set {name!r}: seeded or <rules>x<conditions>, e.g. 200x5")
    return [compile_policy(spec) for spec in synthetic_specs(int(match[1]), int(match[2]))]


# ---------------------------------------------------------------------------------------------------------------
# the OpenFisca model spec: every rule's tree as numpy source

_VALUE_TYPES: Final = {DOUBLE: "float", INT: "int", BOOL: "bool", STRING: "str"}
_COMPARE: Final = frozenset({"==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/"})


class UnsupportedRule(ValueError):
    """A rule the numpy translation does not cover (the spec says which)."""


class NumpyRule:
    """Translates a parsed rule to numpy source over the OpenFisca inputs, registering each input it reads.

    In the source, ``v("x")`` is input x's array and ``t("x")`` a str input as a fixed-width unicode array (for
    startsWith & co.); parameters are the values in effect on the evaluation date, written as constants.
    """

    def __init__(self, params: Mapping[str, Any], inputs: dict[str, dict[str, Any]]) -> None:
        self.params = params
        self.inputs = inputs

    def _input(self, name: str, type_: str, **source: str) -> str:
        self.inputs.setdefault(name, {"name": name, "type": type_, **(source or {"column": name})})
        return name

    def _attr(self, name: str) -> str:
        type_ = ATTRIBUTE_TYPES[name]
        if type_ not in _VALUE_TYPES:
            raise UnsupportedRule(f"{name} ({type_}) outside `in` / size()")
        return f"v({self._input(name, _VALUE_TYPES[type_])!r})"

    def _text(self, node: Node) -> str:
        if isinstance(node, Lit):
            return repr(node.value)
        if isinstance(node, Attr) and ATTRIBUTE_TYPES[node.name] == STRING:
            return f"t({self._input(node.name, 'str')!r})"
        return f"np.asarray({self.source(node)}).astype(np.str_)"

    def source(self, node: Node) -> str:
        if isinstance(node, Lit):
            return repr(node.value)
        if isinstance(node, ListLit):
            return repr([item.value for item in node.items])
        if isinstance(node, Attr):
            return self._attr(node.name)
        if isinstance(node, Param):
            return repr(self.params[node.name])
        if isinstance(node, Unary):
            inner = self.source(node.operand)
            return f"np.logical_not({inner})" if node.op == "!" else f"(-{inner})"
        if isinstance(node, Ternary):
            return f"np.where({self.source(node.test)}, {self.source(node.then)}, {self.source(node.otherwise)})"
        if isinstance(node, Call):
            return self._call(node)
        return self._binary(node)

    def _binary(self, node: Binary) -> str:
        if node.op == "&&":
            return f"np.logical_and({self.source(node.left)}, {self.source(node.right)})"
        if node.op == "||":
            return f"np.logical_or({self.source(node.left)}, {self.source(node.right)})"
        if node.op == "in":
            right = node.right
            if isinstance(right, ListLit | Param):
                return f"np.isin({self.source(node.left)}, {self.source(right)})"
            if isinstance(right, Attr) and ATTRIBUTE_TYPES[right.name] == STRINGS and isinstance(node.left, Lit):
                code = str(node.left.value)
                return f"v({self._input(f'has__{right.name}__{code}', 'bool', license=code)!r})"
            raise UnsupportedRule('`in` other than value in [list] or "code" in licenses')
        if node.op in _COMPARE:
            return f"({self.source(node.left)} {node.op} {self.source(node.right)})"
        raise UnsupportedRule(f"operator {node.op}")  # pragma: no cover - the parser knows no other

    def _call(self, node: Call) -> str:
        fn, args = node.function, node.args
        if fn in ("startsWith", "endsWith"):
            return f"np.strings.{fn.lower()}({self._text(args[0])}, {self._text(args[1])})"
        if fn == "contains":
            return f"(np.strings.find({self._text(args[0])}, {self._text(args[1])}) >= 0)"
        if fn == "size":
            (arg,) = args
            if isinstance(arg, ListLit):
                return str(len(arg.items))
            if isinstance(arg, Attr) and ATTRIBUTE_TYPES[arg.name] == STRINGS:
                return f"v({self._input(f'size__{arg.name}', 'int', count_of=arg.name)!r})"
            return f"np.strings.str_len({self._text(arg)})"
        if fn == "int":
            return f"np.trunc({self.source(args[0])}).astype(np.int64)"
        if fn == "double":
            return f"np.asarray({self.source(args[0])}, dtype=np.float64)"
        if fn in ("min", "max"):
            return f"np.{fn}imum({self.source(args[0])}, {self.source(args[1])})"
        raise UnsupportedRule(f"function {fn}")  # pragma: no cover


def openfisca_spec(policies: Sequence[Policy], day: dt.date, *, outcomes_only: bool = False) -> dict[str, Any]:
    """What the OpenFisca child needs, as JSON: inputs, conditions, outcomes and amounts (no onething there).

    ``outcomes_only``: one Variable per policy whose formula ANDs its conditions inline — no condition or amount
    Variables (the shape of the issue's reference run: one variable per rule).
    """
    inputs: dict[str, dict[str, Any]] = {}
    conditions, outcomes, amounts, inline = [], [], [], []
    for policy in policies:
        rule = NumpyRule(policy.params_on(day), inputs)
        if outcomes_only:
            both = " & ".join(f"({rule.source(cond.rule.tree)})" for cond in policy.conditions)
            inline.append({"code": policy.code, "variable": f"r__{policy.code}", "source": both})
            continue
        names = []
        for i, cond in enumerate(policy.conditions):
            names.append(f"c__{policy.code}__{i}")
            conditions.append({"variable": names[-1], "source": rule.source(cond.rule.tree), "text": cond.rule.text})
        outcomes.append({"code": policy.code, "variable": f"o__{policy.code}", "conditions": names})
        amounts.append(
            {"variable": f"a__{policy.code}", "outcome": f"o__{policy.code}", "source": rule.source(policy.amount.tree)}
        )
    return {
        "as_of": day.isoformat(),
        "year": day.year,
        "inputs": list(inputs.values()),
        "conditions": conditions,
        "outcomes": outcomes,
        "amounts": amounts,
        "inline_outcomes": inline,
    }


# ---------------------------------------------------------------------------------------------------------------
# children


def child_ours(parquet: Path, rules: str, out: Path, variant: str) -> dict[str, Any]:
    """One measured run of ours. ``variant``: ``stored`` (the run's code path: explanations stored);
    ``in_memory`` (the same columns collected and held in memory, nothing written: what OpenFisca does);
    ``outcomes_in_memory`` (credit code and each policy's outcome only, held in memory);
    ``one_parquet`` (--diagnose: every column in one Parquet file instead of IPC parts)."""
    t_compile = time.perf_counter()
    policies = rule_set(rules)
    compile_s = time.perf_counter() - t_compile
    rss_before = peak_rss_mb()

    t0 = time.perf_counter()
    frame = attributes_frame(pl.scan_parquet(parquet), AS_OF)
    columns = frame.collect_schema().names()
    result = evaluate(frame, policies, AS_OF).select(columns + result_columns(policies)[1:])
    held: pl.DataFrame | None = None
    if variant == "stored":
        firsts = store.write_results(parquet, policies, AS_OF, out)
        rows = store.scan_results(out).select(pl.len()).collect().item()
        assert len(firsts) == -(-rows // store.PART)
    elif variant == "in_memory":
        held = result.collect(engine="streaming")
        rows = held.height
    elif variant == "outcomes_in_memory":  # the outcomes only (the flags are computed, then dropped)
        held = evaluate(frame, policies, AS_OF).select([KEY, *(p.code for p in policies)]).collect(engine="streaming")
        rows = held.height
    elif variant == "one_parquet":
        out.mkdir(parents=True, exist_ok=True)
        result.sink_parquet(out / "all.parquet", row_group_size=65_536, statistics=True, compression="zstd")
        rows = pl.scan_parquet(out / "all.parquet").select(pl.len()).collect().item()
    else:
        raise SystemExit(f"unknown variant {variant}")
    wall_s = time.perf_counter() - t0
    peak = peak_rss_mb()

    stored = held.lazy() if held is not None else _scan_out(out)
    counts = (
        stored.select(
            [pl.col(p.code).eq(True).sum().alias(f"{p.code}|eligible") for p in policies]
            + [pl.col(p.code).is_null().sum().alias(f"{p.code}|unknown") for p in policies]
        )
        .collect()
        .row(0, named=True)
    )
    width = len(stored.collect_schema())
    sizes: dict[str, Any] = {"held_mb": round(held.estimated_size() / 2**20, 1)} if held is not None else {}
    if held is None:
        sizes["output_mb"] = round(sum(f.stat().st_size for f in out.iterdir()) / 2**20, 1)
        shutil.rmtree(out)
    return {
        "wall_s": round(wall_s, 3),
        "peak_rss_mb": round(peak, 1),
        "rss_before_evaluation_mb": round(rss_before, 1),
        **sizes,
        "columns": width,
        "rows": rows,
        "compile_s": round(compile_s, 3),
        "eligible": {p.code: counts[f"{p.code}|eligible"] for p in policies},
        "unknown": {p.code: counts[f"{p.code}|unknown"] for p in policies},
    }


def child_snapshot(parquet: Path, out: Path) -> dict[str, Any]:
    """The run's first stage: the attributes frame collected (``snapshot.load`` returns it in credit-code order)
    and ``store.write_snapshot`` (sort, digest, zstd Parquet). ``out`` is emptied first, so it is written."""
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    frame = attributes_frame(pl.scan_parquet(parquet), AS_OF, keep_founded=True).collect()
    load_s = time.perf_counter() - t0
    path, _ = store.write_snapshot(frame, out)
    wall_s = time.perf_counter() - t0
    size = path.stat().st_size / 2**20
    shutil.rmtree(out)
    return {
        "wall_s": round(wall_s, 3),
        "load_s": round(load_s, 3),
        "write_snapshot_s": round(wall_s - load_s, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "frame_mb": round(frame.estimated_size() / 2**20, 1),
        "output_mb": round(size, 1),
    }


def run_snapshot(n: int, *, sorted_: bool) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "snapshot"]
    out = WORK / f"snapshot-{n}"
    return _run_child([*cmd, "--parquet", str(data_path(n, sorted_=sorted_)), "--out", str(out)])


def _scan_out(out: Path) -> pl.LazyFrame:
    return pl.scan_parquet(out / "all.parquet") if (out / "all.parquet").exists() else store.scan_results(out)


def _run_child(cmd: list[str], env: Mapping[str, str] | None = None) -> dict[str, Any]:
    done = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if done.returncode != 0:
        return {"error": f"exit {done.returncode}: {done.stderr.strip()[-2000:]}"}
    try:
        parsed: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return parsed
    except (json.JSONDecodeError, IndexError):
        return {"error": f"no JSON from child: {done.stdout[-500:]} {done.stderr[-1500:]}"}


def run_ours(
    n: int, rules: str, runs: int, variant: str = "stored", env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    parquet = data_path(n, sorted_=True)  # a run's snapshot is kept in credit-code order
    out = WORK / f"ours-{rules}-{n}"
    samples = []
    for _ in range(runs):
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "ours", "--parquet", str(parquet)]
        samples.append(_run_child([*cmd, "--rules", rules, "--out", str(out), "--variant", variant], env))
        if "error" in samples[-1]:
            return samples[-1]
    return _summary(samples)


def _summary(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """The median run's figures; every run's wall and peak RSS alongside."""
    walls = [s["wall_s"] for s in samples]
    median = sorted(samples, key=lambda s: s["wall_s"])[len(samples) // 2]
    out = {**median, "wall_s": round(statistics.median(walls), 3)}
    if len(samples) > 1:
        out["runs_wall_s"] = walls
        out["runs_peak_rss_mb"] = [s["peak_rss_mb"] for s in samples]
        out["peak_rss_mb"] = max(s["peak_rss_mb"] for s in samples)
    return out


def openfisca_python() -> tuple[Path | None, dict[str, Any]]:
    """The OpenFisca venv's interpreter, creating the venv on first use; (None, why) when that fails."""
    python = OPENFISCA_VENV / "bin" / "python"
    probe = [str(python), "-c", "import openfisca_core, numpy, polars"]
    if python.exists() and subprocess.run(probe, capture_output=True, check=False).returncode == 0:
        return python, {"venv": str(OPENFISCA_VENV.relative_to(ROOT)), "created": False}
    t0 = time.perf_counter()
    base = shutil.which("python3") or sys.executable
    steps = [
        [base, "-m", "venv", str(OPENFISCA_VENV)],
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *OPENFISCA_PACKAGES],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False, timeout=1800)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
            return None, {"skipped": f"could not set up OpenFisca ({' '.join(step[:4])} …): {' | '.join(tail)}"}
    return python, {
        "venv": str(OPENFISCA_VENV.relative_to(ROOT)),
        "created": True,
        "setup_s": round(time.perf_counter() - t0, 1),
    }


def run_openfisca(
    python: Path, n: int, rules: str, policies: Sequence[Policy], runs: int, *, outcomes_only: bool = False
) -> dict[str, Any]:
    try:
        spec = openfisca_spec(policies, AS_OF, outcomes_only=outcomes_only)
    except UnsupportedRule as exc:
        return {"skipped": f"a rule the numpy translation does not cover: {exc}"}
    spec_path = WORK / f"openfisca-spec-{rules}{'-outcomes' if outcomes_only else ''}.json"
    spec_path.write_text(json.dumps(spec, ensure_ascii=False, indent=1), encoding="utf-8")
    cmd = [str(python), str(OPENFISCA_CHILD), "--spec", str(spec_path), "--parquet", str(data_path(n))]
    samples = []
    for _ in range(runs):
        samples.append(_run_child(cmd))
        if "error" in samples[-1]:
            return samples[-1]
    out = _summary(samples)
    out["inputs"] = len(spec["inputs"])
    return out


# ---------------------------------------------------------------------------------------------------------------
# the comparison


def _agreement(policies: Sequence[Policy], ours: Mapping[str, Any], theirs: Mapping[str, Any]) -> dict[str, Any]:
    """Kleene logic decides a condition the same whatever a missing value is, so per policy
    ours eligible <= OpenFisca eligible (missing filled with defaults) <= ours eligible + ours unknown."""
    outside = {}
    for p in policies:
        low, high = ours["eligible"][p.code], ours["eligible"][p.code] + ours["unknown"][p.code]
        got = theirs["eligible"][p.code]
        if not low <= got <= high:
            outside[p.code] = {"ours_eligible": low, "ours_unknown": high - low, "openfisca_eligible": got}
    return {
        "policies_within_bounds": len(policies) - len(outside),
        "policies": len(policies),
        "outside": outside,
        "ours_eligible_total": sum(ours["eligible"].values()),
        "ours_unknown_total": sum(ours["unknown"].values()),
        "openfisca_eligible_total": sum(theirs["eligible"].values()),
    }


MODES: Final = ("full", "outcomes")


def _rate(got: dict[str, Any], n: int, conditions: int) -> dict[str, Any]:
    if "wall_s" in got:
        got["rows_x_conditions_per_s"] = round(n * conditions / got["wall_s"])
    return got


def measure(
    n: int, rules: str, *, openfisca: Path | None, diagnose: bool, modes: Sequence[str] = MODES
) -> dict[str, Any]:
    """``full``: every condition, outcome and amount (ours also stored, and held in memory) against OpenFisca
    calculating the same; ``outcomes``: each policy's outcome only, on both sides (the reference's shape)."""
    policies = rule_set(rules)
    conditions = sum(len(p.conditions) for p in policies)
    runs = RUNS_SMALL if n <= SMALL else 1
    data_path(n)
    entry: dict[str, Any] = {"n": n, "rules": rules, "policies": len(policies), "conditions": conditions, "runs": runs}

    if "full" in modes:
        entry["ours"] = _rate(run_ours(n, rules, runs, "stored"), n, conditions)
        entry["ours_in_memory"] = _rate(run_ours(n, rules, runs, "in_memory"), n, conditions)
        entry["ours_snapshot"] = run_snapshot(n, sorted_=True)  # the run's stage before write_results
        if openfisca is not None:
            entry["openfisca"] = _rate(run_openfisca(openfisca, n, rules, policies, runs), n, conditions)
        ours, held, theirs = entry["ours"], entry["ours_in_memory"], entry.get("openfisca", {})
        if "wall_s" in theirs:
            if "wall_s" in ours:
                entry["ratio"] = round(theirs["wall_s"] / ours["wall_s"], 2)
                entry["agreement"] = _agreement(policies, ours, theirs)
            if "wall_s" in held:
                entry["ratio_in_memory"] = round(theirs["wall_s"] / held["wall_s"], 2)
        entry["goal"] = {
            "speedup_min": GOAL_SPEEDUP,
            "speedup_met": entry["ratio"] >= GOAL_SPEEDUP if "ratio" in entry else None,
            "ours_peak_max_mb": GOAL_PEAK_MB,
            "ours_peak_met": ours["peak_rss_mb"] < GOAL_PEAK_MB if "peak_rss_mb" in ours else None,
        }

    if "outcomes" in modes:
        part: dict[str, Any] = {"ours": _rate(run_ours(n, rules, runs, "outcomes_in_memory"), n, conditions)}
        if openfisca is not None:
            got = run_openfisca(openfisca, n, rules, policies, runs, outcomes_only=True)
            part["openfisca"] = _rate(got, n, conditions)
        if "wall_s" in part["ours"] and "wall_s" in part.get("openfisca", {}):
            part["ratio"] = round(part["openfisca"]["wall_s"] / part["ours"]["wall_s"], 2)
            part["agreement"] = _agreement(policies, part["ours"], part["openfisca"])
        entry["outcomes_only"] = part

    for side in (
        entry.get("ours"),
        entry.get("ours_in_memory"),
        entry.get("openfisca"),
        *entry.get("outcomes_only", {}).values(),
    ):
        for key in ("eligible", "unknown"):  # the counts served the agreement check; keep the JSON short
            if isinstance(side, dict) and isinstance(side.get(key), dict):
                side.pop(key)

    if diagnose:
        entry["diagnostics"] = diagnostics(n, rules, conditions)
    return entry


def diagnostics(n: int, rules: str, conditions: int) -> dict[str, Any]:
    """What the stored form costs: the same evaluation (1 run each) written another way."""
    variants: dict[str, tuple[str, dict[str, str]]] = {
        # every column streamed into one Parquet file (the first design): what IPC parts save
        "one_parquet": ("one_parquet", {}),
    }
    out: dict[str, Any] = {"snapshot_from_unsorted_input": run_snapshot(n, sorted_=False)}
    for name, (variant, env) in variants.items():
        got = _rate(run_ours(n, rules, 1, variant, env), n, conditions)
        for key in ("eligible", "unknown", "compile_s", "rss_before_evaluation_mb", "columns", "rows"):
            got.pop(key, None)
        out[name] = {"env": env, **got}
    return out


NOTES: Final = (
    "ours_snapshot: the stage a run does before write_results, measured once per size (not in ours.wall_s or "
    "ratio): the attributes frame collected from the credit-code-ordered Parquet (as snapshot.load returns it "
    "from the database) + store.write_snapshot (sort, SHA-256 of the row hashes, zstd Parquet). "
    "diagnostics.snapshot_from_unsorted_input: the same from the unordered copy.",
    "ours: a fresh process per run; wall = policies.store.write_results over the snapshot Parquet sorted by "
    "credit code (attributes_frame + bulk.evaluate, every flag, outcome and amount written as lz4 Arrow IPC parts "
    "of 262,144 enterprises), the code path of policies.runs; compiling the rules (compile_s) is not in it. "
    "peak_rss_mb is the child's own peak RSS (VmHWM: ru_maxrss would include the parent's peak, kept across "
    "vfork + exec on Linux).",
    "ours_in_memory: the same evaluation, every attribute, flag, outcome and amount collected into one DataFrame "
    "held in memory and nothing written — like for like with OpenFisca, which writes nothing; ratio_in_memory = "
    "openfisca wall_s / ours_in_memory wall_s.",
    "openfisca: a fresh process per run with its own venv's Python; wall = Parquet → numpy inputs (load_s) + "
    "SimulationBuilder and set_input (simulation_s) + calculate every condition, outcome and amount "
    "(calculate_s); generating the model from the spec (model_build_s) is not in it. Nothing is written to disk: "
    "OpenFisca keeps every calculated variable in memory (its cache), which is what its peak RSS includes.",
    "openfisca model: one single-member entity 'enterprise', definition_period YEAR (the evaluation year); "
    "one input Variable per attribute read (float → float32, int → int32, bool, str → object arrays sharing one "
    "str per distinct value); one bool Variable per license code tested ('x in licenses'); one Variable per "
    "condition whose formula is the rule's tree translated to numpy (&& → logical_and, || → logical_or, in [list] "
    "→ isin, startsWith/endsWith/contains → np.strings on the str input converted once per run to a fixed-width "
    "unicode array, ?: → where, min/max → minimum/maximum); one per outcome (AND of its conditions) and one per "
    "amount (where(outcome, amount, 0)).",
    "parameters: the values in effect on the evaluation date, substituted as constants in both models.",
    "missing data: OpenFisca has no null, so missing inputs are filled with 0 / 0.0 / False / '' — its figures "
    "are the speed and memory comparison, not the same semantics (ours keeps the third outcome, unknown). "
    "agreement checks per policy that ours eligible <= OpenFisca eligible <= ours eligible + ours unknown, "
    "which Kleene logic guarantees up to float32 rounding at a threshold.",
    "ratio = openfisca wall_s / ours wall_s. Runs: median of 3 up to 1,000,000 rows, 1 run above. "
    "The machine is shared: load_average is sampled at the start and end.",
)


def main(
    sizes: Sequence[int] = (SMALL,),
    rules: Sequence[str] = ("seeded",),
    *,
    openfisca: bool = True,
    diagnose: bool = False,
    modes: Sequence[str] = MODES,
) -> dict[str, Any]:
    python, setup = openfisca_python() if openfisca else (None, {"skipped": "--no-openfisca"})
    load_start = os.getloadavg()
    results = [measure(n, r, openfisca=python, diagnose=diagnose, modes=modes) for r in rules for n in sizes]
    doc = {
        "bench": "policies",
        "machine": machine(),
        "load_average": {"start": [round(x, 2) for x in load_start], "end": [round(x, 2) for x in os.getloadavg()]},
        "polars": pl.__version__,
        "as_of": AS_OF.isoformat(),
        "data": {"seed": SEED, "missing": MISSING, "regions": list(REGIONS)},
        "openfisca_setup": setup,
        "results": results,
        "reference": "issue: OpenFisca took 12.7 s and 1.49 GB for 200 five-condition rules over 6 M entities",
        "notes": list(NOTES),
    }
    RESULTS.mkdir(exist_ok=True)
    suffix = "" if list(rules) == ["seeded"] else "-" + "-".join(rules)
    suffix += "" if list(modes) == list(MODES) else "-" + "-".join(modes)
    name = f"policies-{'-'.join(str(n) for n in sizes)}{suffix}.json"
    (RESULTS / name).write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return doc


def _cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[SMALL])
    parser.add_argument("--rules", nargs="+", default=["seeded"], help="seeded and/or <rules>x<conditions>")
    parser.add_argument("--no-openfisca", action="store_true")
    parser.add_argument("--diagnose", action="store_true", help="also run our memory diagnostics (1 run each)")
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--child", choices=["ours", "data", "snapshot"], help=argparse.SUPPRESS)
    parser.add_argument("--parquet", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--variant", default="stored", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "ours":
        print(json.dumps(child_ours(args.parquet, args.rules[0], args.out, args.variant)))
        return
    if args.child == "snapshot":
        print(json.dumps(child_snapshot(args.parquet, args.out)))
        return
    if args.child == "data":
        child_data(args.sizes[0], sorted_=args.variant == "sorted")
        return
    doc = main(args.sizes, args.rules, openfisca=not args.no_openfisca, diagnose=args.diagnose, modes=args.modes)
    print(json.dumps(doc, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    _cli()
