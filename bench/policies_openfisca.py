# mypy: ignore-errors
"""The OpenFisca side of ``bench/policies.py``: run by the interpreter of its own virtualenv, never with onething.

Reads the rule spec that ``bench/policies.py`` generated from the parsed rules (JSON: every input, every condition
as numpy source, every outcome and amount), builds an OpenFisca model from it — one single-member entity
``enterprise``, one input Variable per attribute read, one Variable per condition, per outcome and per amount —
loads the enterprises from the same Parquet file, sets the inputs of a simulation of N enterprises and calculates
every condition, outcome and amount. Prints one JSON object: the timings, the peak RSS of this process and the
number of eligible enterprises per policy (a sanity check against ours).

Run as: ``<venv>/bin/python bench/policies_openfisca.py --spec spec.json --parquet enterprises.parquet``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import time
from pathlib import Path


def _rss_mb() -> float:
    """This process's own peak RSS (VmHWM; ru_maxrss would include the parent's, kept across vfork + exec)."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spec", required=True)
    parser.add_argument("--parquet", required=True)
    args = parser.parse_args()

    import numpy as np
    import openfisca_core
    import polars as pl
    from openfisca_core.entities import build_entity
    from openfisca_core.periods import DateUnit, period
    from openfisca_core.simulations import SimulationBuilder
    from openfisca_core.taxbenefitsystems import TaxBenefitSystem
    from openfisca_core.variables import Variable

    spec = json.loads(Path(args.spec).read_text(encoding="utf-8"))
    imported_rss = _rss_mb()

    # ---------------------------------------------------------------- the model, generated from the spec
    t_build = time.perf_counter()
    enterprise = build_entity("enterprise", "enterprises", "一户企业（单成员实体）", is_person=True)
    tbs = TaxBenefitSystem([enterprise])
    entity = tbs.person_entity
    value_types = {"float": float, "int": int, "bool": bool, "str": str}
    text_cache: dict[str, np.ndarray] = {}  # str inputs as fixed-width unicode arrays, converted once per run

    def add(name, value_type, formula=None):
        attrs = {"value_type": value_type, "entity": entity, "definition_period": DateUnit.YEAR, "label": name}
        if formula is not None:
            attrs["formula"] = formula
        tbs.add_variable(type(name, (Variable,), attrs))

    for item in spec["inputs"]:
        add(item["name"], value_types[item["type"]])

    def rule_formula(source, name):
        fn = eval(compile(f"lambda v, t, np: {source}", name, "eval"))  # our own generated source

        def formula(population, period_):
            def v(input_name):
                return population(input_name, period_)

            def t(input_name):
                if input_name not in text_cache:
                    text_cache[input_name] = population(input_name, period_).astype(np.str_)
                return text_cache[input_name]

            out = fn(v, t, np)
            return np.broadcast_to(out, (population.count,)) if np.ndim(out) == 0 else out

        return formula

    for cond in spec["conditions"]:
        add(cond["variable"], bool, rule_formula(cond["source"], cond["variable"]))

    def all_of(names):
        def formula(population, period_):
            out = population(names[0], period_).copy()
            for name in names[1:]:
                out &= population(name, period_)
            return out

        return formula

    for outcome in spec["outcomes"]:
        add(outcome["variable"], bool, all_of(outcome["conditions"]))

    def amount_of(outcome_name, source, name):
        inner = rule_formula(source, name)

        def formula(population, period_):
            return np.where(population(outcome_name, period_), inner(population, period_), 0.0)

        return formula

    for amount in spec["amounts"]:
        add(amount["variable"], float, amount_of(amount["outcome"], amount["source"], amount["variable"]))
    for rule in spec.get("inline_outcomes", []):  # one Variable per policy, its conditions ANDed inline
        add(rule["variable"], bool, rule_formula(rule["source"], rule["variable"]))
    build_s = time.perf_counter() - t_build

    # ---------------------------------------------------------------- inputs: Parquet → numpy (missing → defaults)
    t0 = time.perf_counter()
    as_of = dt.date.fromisoformat(spec["as_of"])
    founded = pl.col("founded_on")
    not_yet = (founded.dt.month() > as_of.month) | (
        (founded.dt.month() == as_of.month) & (founded.dt.day() > as_of.day)
    )
    derived = {
        "founded_year": founded.dt.year(),
        "years_operating": pl.lit(as_of.year) - founded.dt.year() - not_yet.cast(pl.Int32),
    }
    fills = {"float": 0.0, "int": 0, "bool": False, "str": ""}
    casts = {"float": pl.Float32, "int": pl.Int32, "bool": pl.Boolean, "str": pl.String}
    exprs = []
    for item in spec["inputs"]:
        kind = item["type"]
        if "license" in item:
            expr = pl.col("licenses").list.contains(item["license"])
        elif "count_of" in item:
            expr = pl.col(item["count_of"]).list.len()
        elif item["column"] in derived:
            expr = derived[item["column"]]
        else:
            expr = pl.col(item["column"])
        exprs.append(expr.cast(casts[kind]).fill_null(fills[kind]).alias(item["name"]))
    frame = pl.scan_parquet(args.parquet).select(exprs).collect()
    count = frame.height
    arrays = {}
    for item in spec["inputs"]:
        column = frame.get_column(item["name"])
        if item["type"] == "str":  # one Python str object per distinct value, shared by the rows that hold it
            distinct = column.unique().sort()
            codes = column.cast(pl.Enum(distinct)).to_physical().to_numpy()
            arrays[item["name"]] = np.array(distinct.to_list(), dtype=object)[codes]
        else:
            arrays[item["name"]] = column.to_numpy()
    del frame
    load_s = time.perf_counter() - t0

    # ---------------------------------------------------------------- the simulation
    t1 = time.perf_counter()
    builder = SimulationBuilder()
    builder.create_entities(tbs)
    builder.declare_person_entity("enterprise", np.arange(count))
    simulation = builder.build(tbs)
    year = period(str(spec["year"]))
    for name in list(arrays):
        simulation.set_input(name, year, arrays.pop(name))
    set_s = time.perf_counter() - t1

    t2 = time.perf_counter()
    eligible = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for cond in spec["conditions"]:
            simulation.calculate(cond["variable"], year)
        for outcome in spec["outcomes"]:
            eligible[outcome["code"]] = int(simulation.calculate(outcome["variable"], year).sum())
        for amount in spec["amounts"]:
            simulation.calculate(amount["variable"], year)
        for rule in spec.get("inline_outcomes", []):
            eligible[rule["code"]] = int(simulation.calculate(rule["variable"], year).sum())
    calc_s = time.perf_counter() - t2
    wall_s = time.perf_counter() - t0

    print(
        json.dumps(
            {
                "wall_s": round(wall_s, 3),
                "load_s": round(load_s, 3),
                "simulation_s": round(set_s, 3),
                "calculate_s": round(calc_s, 3),
                "model_build_s": round(build_s, 3),
                "peak_rss_mb": round(_rss_mb(), 1),
                "rss_after_imports_mb": round(imported_rss, 1),
                "rows": count,
                "variables": len(tbs.variables),
                "eligible": eligible,
                "versions": {
                    "openfisca_core": getattr(openfisca_core, "__version__", None) or _version("openfisca-core"),
                    "numpy": np.__version__,
                    "polars": pl.__version__,
                },
            }
        )
    )


def _version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


if __name__ == "__main__":
    main()
