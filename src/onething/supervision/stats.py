"""好差评 statistics for a region and a period, grouped by one dimension.

Region, handling org, service channel and periods come from the daily rollup (a few hundred
thousand rows for a province's three years: fast at any scope). Thing, window, clerk, rating channel
and item come from the facts (``evaluations``), filtered by region range and day first.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm import Session

from onething.cases.schemas import CHANNEL_NAMES
from onething.catalog.service import active_catalog
from onething.evaluations.rules import RATING_CHANNELS
from onething.identity.principal import Principal, region_prefix
from onething.kit.errors import Forbidden, NotFound, ValidationFailed
from onething.models import EvaluationDaily, Region
from onething.supervision import repository as repo
from onething.supervision.rules import COUNTERS, MEASURES, Measure, rates

BY_NAMES = {
    "region": "下级区划",
    "org": "承办机构",
    "channel": "办理渠道",
    "thing": "一件事",
    "item": "事项",
    "window": "窗口",
    "clerk": "窗口人员",
    "rating_channel": "评价渠道",
    "week": "周",
    "month": "月",
    "day": "日",
    "total": "合计",
}
ROLLUP_BY = frozenset({"region", "org", "channel", "week", "month", "day", "total"})
CHILD_DIGITS = {"province": 4, "city": 6, "county": 9, "township": 12, "village": 12}
MAX_DAYS = 3 * 366 + 1


@dataclass(frozen=True, slots=True)
class Scope:
    region: Region
    prefix: str
    start: dt.date
    end: dt.date


@dataclass
class StatTable:
    by: str
    region: str
    region_name: str
    start: dt.date
    end: dt.date
    source: str  # rollup | facts
    rows: list[dict[str, Any]] = field(default_factory=list)
    total: dict[str, Any] = field(default_factory=dict)
    measures: tuple[Measure, ...] = MEASURES


def scope_of(
    session: Session,
    principal: Principal,
    region: str | None,
    start: dt.date | None,
    end: dt.date | None,
    today: dt.date,
) -> Scope:
    """The region asked for (default: the supervisor's widest) and the period (default: this year)."""
    principal.require("supervisor")
    code = region or _widest(session, principal)
    found = repo.region(session, code)
    if found is None:
        raise NotFound(f"没有区划 {code}", field="region", code="region_not_found")
    if not principal.reaches(code, "supervisor"):
        raise Forbidden("该区划不在您的监察范围内", code="region_out_of_scope")
    end = end or today
    start = start or dt.date(end.year, 1, 1)
    if start > end:
        raise ValidationFailed("开始日期不能晚于结束日期", field="from", code="bad_period")
    if (end - start).days > MAX_DAYS:
        raise ValidationFailed("统计期间最长三年", field="from", code="period_too_long")
    return Scope(found, region_prefix(found.code, found.level), start, end)


def _widest(session: Session, principal: Principal) -> str:
    prefixes = principal.scopes("supervisor")
    best = min(prefixes, key=len)
    codes = repo.region_codes_under(session, best)
    if not codes:
        raise NotFound("您的监察范围内没有区划，请指明区划代码", field="region", code="region_not_found")
    return min(codes, key=len)


def evaluation_stats(session: Session, scope: Scope, by: str) -> StatTable:
    if by not in BY_NAMES:
        raise ValidationFailed(f"不支持按「{by}」统计", field="by", code="bad_dimension")
    table = StatTable(by, scope.region.code, scope.region.name, scope.start, scope.end, "")
    if by in ROLLUP_BY:
        table.source = "rollup"
        grouped = _from_rollup(session, scope, by)
    else:
        table.source = "facts"
        grouped = _from_facts(session, scope, by)
    names = _namer(session, by)(grouped.keys())
    for key in sorted(grouped, key=lambda k: str(k)):
        table.rows.append({"key": str(key), "name": names.get(key, str(key)), **_rates(grouped[key], by)})
    table.total = {"key": "total", "name": "合计", **rates(_total(session, scope, by, grouped))}
    return table


def _total(session: Session, scope: Scope, by: str, grouped: Mapping[Any, Mapping[str, int]]) -> dict[str, int]:
    """Every occasion once. Most groupings split the occasions, so their rows add up; an occasion counts
    under each item of its case, and per rating channel only ratings appear: those ask the rollup."""
    if by in ("item", "rating_channel"):
        grouped = _from_rollup(session, scope, "total")
    total = dict.fromkeys(COUNTERS, 0)
    for counters_ in grouped.values():
        for k in COUNTERS:
            total[k] += counters_[k]
    return total


def _rates(counters: Mapping[str, int], by: str) -> dict[str, float | int | None]:
    """Per rating channel only ratings exist: no 服务量, rating rate or 默认好评 to show."""
    out = rates(counters)
    if by == "rating_channel":
        out.update(occasions=None, rating_rate=None, default_good=None)
    return out


def _sums(rows: Iterable[Any], key_of: Callable[[Any], Any]) -> dict[Any, dict[str, int]]:
    grouped: dict[Any, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    for row in rows:
        target = grouped[key_of(row)]
        for k in COUNTERS:
            target[k] += int(getattr(row, k) or 0)
    return dict(grouped)


def _rollup_key(scope: Scope, by: str) -> Any:
    D = EvaluationDaily
    if by == "region":
        return func.substr(D.region_code, 1, CHILD_DIGITS.get(scope.region.level, 12))
    return {"org": D.org_id, "channel": D.channel, "total": None}.get(by, D.day)


def _from_rollup(session: Session, scope: Scope, by: str) -> dict[Any, dict[str, int]]:
    rows = repo.rollup_sums(session, scope.prefix, scope.start, scope.end, _rollup_key(scope, by))
    if by == "region":
        return _sums(rows, lambda r: _region_code(r.key))
    if by in ("week", "month"):
        return _sums(rows, lambda r: _period(r.key, by))
    return _sums(rows, lambda r: r.key)


def _from_facts(session: Session, scope: Scope, by: str) -> dict[Any, dict[str, int]]:
    return _sums(repo.facts_sums(session, scope.prefix, scope.start, scope.end, by), lambda r: r.key)


def _region_code(prefix: str) -> str:
    return prefix.ljust(6, "0") if len(prefix) < 6 else prefix


def _period(day: dt.date, by: str) -> str:
    if by == "month":
        return f"{day:%Y-%m}"
    monday = day - dt.timedelta(days=day.weekday())
    return f"{monday:%Y-%m-%d}"


def _namer(session: Session, by: str) -> Callable[[Iterable[Any]], Mapping[Any, str]]:
    def orgs(keys: Iterable[Any]) -> Mapping[Any, str]:
        return {**repo.org_names(session, keys), 0: "（无承办机构）"}

    def things(keys: Iterable[Any]) -> Mapping[Any, str]:
        # From the catalog: a name lookup must not scan the facts (millions of rows) a second time.
        known = active_catalog(session).things
        return {k: known[k].spec.name for k in keys if k in known}

    def windows(keys: Iterable[Any]) -> Mapping[Any, str]:
        return {**repo.window_names(session, keys), None: "（网上办理，无窗口）"}

    def clerks(keys: Iterable[Any]) -> Mapping[Any, str]:
        return {**repo.user_names(session, keys), None: "（无经办人）"}

    def fixed(names: Mapping[Any, str]) -> Callable[[Iterable[Any]], Mapping[Any, str]]:
        return lambda _keys: names

    return {
        "region": lambda keys: repo.region_names(session, keys),
        "org": orgs,
        "thing": things,
        "window": windows,
        "clerk": clerks,
        "item": lambda keys: repo.item_names(session, keys),
        "channel": fixed(CHANNEL_NAMES),
        "rating_channel": fixed(RATING_CHANNELS),
        "total": fixed({"total": "合计"}),
    }.get(by, fixed({}))
