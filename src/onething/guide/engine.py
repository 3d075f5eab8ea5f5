"""The guide engine: ``(catalog, thing, answers, region) -> Guide``. Pure: no I/O, no clock.

Every figure of the guide — which items apply and why, the one material list, the one form, the
promised days along the critical path, the saving against applying item by item — is computed
here from the catalog; nothing is typed in.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from onething.catalog import spec
from onething.catalog.graph import critical_path
from onething.catalog.model import Catalog, CompiledComponent, CompiledItem, CompiledThing
from onething.guide.answers import Answers, normalise_answers
from onething.guide.form import merge_form
from onething.guide.model import (
    AnsweredQuestion,
    ExcludedItem,
    FormGroup,
    Guide,
    GuideItem,
    GuideMaterial,
    Saving,
    Step,
)
from onething.guide.prepared import prepared
from onething.kit.conditions import Outcome, context
from onething.kit.errors import NotFound, ValidationFailed

__all__ = ["generate", "normalise_answers"]


def generate(
    catalog: Catalog,
    thing_code: str,
    raw_answers: Mapping[str, Any],
    region: str | None = None,
) -> Guide:
    thing = catalog.things.get(thing_code)
    if thing is None:
        raise NotFound(f"没有编码为 {thing_code} 的一件事", field="code", code="thing_not_found")
    if region is not None and region not in catalog.regions:
        raise ValidationFailed(f"区划代码 {region} 不存在", field="region", code="unknown_region")
    answers = normalise_answers(thing, raw_answers)
    ctx = context({"answers": answers})
    chosen, excluded = _select(catalog, thing, answers, ctx)
    items = [catalog.items[comp.spec.item] for comp, _ in chosen]
    applicable = {item.code for item in items}
    days = {i.code: _promised_days(catalog, i, region) for i in items}
    deps = thing.effective_deps(applicable)
    total, schedule = critical_path(days, deps)
    legal_total, _ = critical_path({i.code: i.spec.legal_days for i in items}, deps)
    critical = _critical_nodes(total, schedule, deps)
    guide_items = tuple(
        _guide_item(catalog, item, comp, reason, deps, schedule, critical, region)
        for item, (comp, reason) in zip(items, chosen, strict=True)
    )
    materials, materials_alone, form, fields_alone = _bundle(catalog, items, ctx, deps)
    region_name = catalog.regions[region].name if region else None
    hall = thing.spec.hall or f"{region_name or '所在地'}政务服务中心“一件事一次办”综合窗口"
    return Guide(
        thing_code=thing.code,
        thing_name=thing.spec.name,
        audience=thing.spec.audience.value,
        description=thing.spec.description,
        catalog_version=catalog.version,
        region=region,
        region_name=region_name,
        lead_org=catalog.org_kinds[thing.spec.lead_org_kind].name,
        hall=hall,
        answers=_answered(thing, answers),
        items=guide_items,
        excluded=tuple(excluded),
        materials=materials,
        form=form,
        steps=_steps(thing, guide_items, hall),
        stages=tuple(thing.spec.stages),
        promised_days=total,
        published_promise=thing.spec.promised_days,
        legal_days=legal_total,
        fee_yuan=round(sum(gi.fee_yuan for gi in guide_items), 2),
        saving=Saving(
            visits_alone=sum(i.spec.visits for i in items),
            visits_bundled=0 if all(i.spec.online_depth == 4 for i in items) else 1,
            materials_alone=materials_alone,
            materials_bundled=len(materials),
            materials_to_submit=sum(1 for m in materials if m.exempt is None),
            fields_alone=fields_alone,
            fields_bundled=sum(len(g.fields) for g in form),
            days_alone=sum(days.values()),
            days_bundled=total,
            forms_alone=len(items),
            forms_bundled=1 if items else 0,
        ),
    )


def _select(
    catalog: Catalog, thing: CompiledThing, answers: Answers, ctx: Any
) -> tuple[list[tuple[CompiledComponent, str]], list[ExcludedItem]]:
    chosen: list[tuple[CompiledComponent, str]] = []
    excluded: list[ExcludedItem] = []
    for comp in thing.components:
        if comp.when is None:
            chosen.append((comp, "本一件事的必办事项"))
            continue
        outcome = comp.when.outcome(ctx)
        name = catalog.items[comp.spec.item].spec.name
        if outcome is Outcome.true:
            chosen.append((comp, f"因为{_because(thing, comp, answers, applies=True)}，需要办理"))
        elif outcome is Outcome.false:
            reason = f"因为{_because(thing, comp, answers, applies=False)}，无需办理"
            excluded.append(ExcludedItem(comp.spec.item, name, reason))
        else:
            excluded.append(ExcludedItem(comp.spec.item, name, "相关问题在您的情形下不适用，无需办理"))
    return chosen, excluded


def _because(thing: CompiledThing, comp: CompiledComponent, answers: Answers, *, applies: bool) -> str:
    """The answers behind a decision, in words. For a multiple choice, name the options the
    condition looks for: the ones chosen when the item applies, the ones not chosen when it does not."""
    parts = []
    for q in thing.questions:
        code = q.spec.code
        if code not in comp.reads:
            continue
        value = answers.get(code)
        if value is None:
            parts.append(f"「{q.spec.text}」不适用")
            continue
        if isinstance(value, list):
            named = comp.compares.get(code, frozenset())
            relevant = [c for c in q.option_labels if c in named and (c in value) is applies] if named else []
            if relevant:
                verb = "选择了" if applies else "没有选择"
                parts.append(f"「{q.spec.text}」{verb}「{'、'.join(q.option_labels[c] for c in relevant)}」")
                continue
        codes = value if isinstance(value, list) else [value]
        labels = "、".join(q.option_labels[c] for c in codes) or "未选择"
        parts.append(f"「{q.spec.text}」选择了「{labels}」")
    return "；".join(parts) if parts else "您的情形"


def _promised_days(catalog: Catalog, item: CompiledItem, region: str | None) -> int:
    impl = catalog.implementation(item.code, region)
    if impl is not None and impl.promised_days is not None:
        return impl.promised_days
    return item.spec.promised_days


def _critical_nodes(total: int, schedule: Mapping[str, tuple[int, int]], deps: Mapping[str, Sequence[str]]) -> set[str]:
    """Nodes with no slack: walk back from those finishing last through tight prerequisites."""
    critical: set[str] = set()
    frontier = [n for n, (_, finish) in schedule.items() if finish == total]
    while frontier:
        node = frontier.pop()
        if node in critical:
            continue
        critical.add(node)
        start = schedule[node][0]
        frontier.extend(d for d in deps.get(node, ()) if schedule[d][1] == start)
    return critical


def _guide_item(
    catalog: Catalog,
    item: CompiledItem,
    comp: CompiledComponent,
    reason: str,
    deps: Mapping[str, Sequence[str]],
    schedule: Mapping[str, tuple[int, int]],
    critical: set[str],
    region: str | None,
) -> GuideItem:
    impl = catalog.implementation(item.code, region)
    start, finish = schedule[item.code]
    return GuideItem(
        **prepared(catalog).items[item.code],
        promised_days=finish - start,
        fee_yuan=impl.fee_yuan if impl and impl.fee_yuan is not None else item.spec.fee_yuan,
        after=tuple(deps[item.code]),
        stage=comp.spec.stage,
        start_day=start,
        finish_day=finish,
        critical=item.code in critical,
        reason=reason,
        hall=impl.hall if impl else None,
    )


def _ancestors(code: str, deps: Mapping[str, Sequence[str]]) -> set[str]:
    seen: set[str] = set()
    stack = list(deps.get(code, ()))
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(deps.get(node, ()))
    return seen


Bundle = tuple[tuple[GuideMaterial, ...], int, tuple[FormGroup, ...], int]


def _bundle(catalog: Catalog, items: Sequence[CompiledItem], ctx: Any, deps: Mapping[str, Sequence[str]]) -> Bundle:
    """Materials and form for a set of items. They depend only on which items apply and which
    material conditions hold, so each such bundle is worked out once per catalog."""
    held = tuple(ref.when.holds(ctx) for item in items for ref in item.materials if ref.when is not None)
    # Which items apply, which material conditions hold, and the order among the items (it decides
    # whether a material made inside the bundle comes before the item needing it).
    key = (tuple(item.code for item in items), held, tuple(deps[item.code] for item in items))
    bundles = prepared(catalog).bundles
    found = bundles.get(key)
    if found is None:
        materials, materials_alone = _materials(catalog, items, iter(held), deps)
        form, fields_alone = merge_form(catalog, items)
        found = (materials, materials_alone, form, fields_alone)
        if len(bundles) >= BUNDLE_CACHE_SIZE:
            bundles.clear()  # bounded; a province's traffic needs far fewer
        bundles[key] = found
    return found


BUNDLE_CACHE_SIZE = 4096


def _materials(
    catalog: Catalog, items: Sequence[CompiledItem], held: Iterator[bool], deps: Mapping[str, Sequence[str]]
) -> tuple[tuple[GuideMaterial, ...], int]:
    needed: dict[str, list[tuple[str, spec.MaterialRef]]] = {}
    alone = 0
    for item in items:
        for ref in item.materials:
            if ref.when is not None and not next(held):
                continue
            alone += 1
            needed.setdefault(ref.spec.material, []).append((item.code, ref.spec))
    producers: dict[str, list[str]] = {}
    for item in items:
        if item.spec.result and item.spec.result.license_type:
            producers.setdefault(item.spec.result.license_type, []).append(item.code)
    upstream = {item.code: _ancestors(item.code, deps) for item in items} if producers else {}
    out = [_merge_material(catalog, code, uses, producers, upstream) for code, uses in needed.items()]
    return tuple(out), alone


def _merge_material(
    catalog: Catalog,
    code: str,
    uses: list[tuple[str, spec.MaterialRef]],
    producers: Mapping[str, list[str]],
    upstream: Mapping[str, set[str]],
) -> GuideMaterial:
    m = prepared(catalog).materials[code]
    copies = 0
    key = False
    notes: list[str] = []
    for _, ref in uses:
        copies = max(copies, ref.copies or m.copies)
        key = key or (ref.necessity is spec.Necessity.key if ref.necessity else m.key)
        if ref.note:
            notes.append(ref.note)
    if not notes and m.note:
        notes.append(m.note)
    exempt, reason = None, None
    if m.license_type is not None:
        made_by = producers.get(m.license_type, [])
        if made_by and all(upstream[u].intersection(made_by) for u, _ in uses):
            exempt = "bundle"
            names = "、".join(prepared(catalog).item_names[p] for p in made_by)
            reason = f"由本次联办的「{names}」办结后直接共享，无需提交"
        else:
            exempt = "license"
            reason = f"持有有效的{m.license_name}电子证照的，可直接调用，免于提交"
    return GuideMaterial(
        code=code,
        name=m.name,
        form=m.form,
        form_name=m.form_name,
        copies=copies,
        necessity="key" if key else "tolerable",
        items=tuple(u for u, _ in uses),
        exempt=exempt,
        exempt_reason=reason,
        license_type=m.license_type,
        note="；".join(dict.fromkeys(notes)) or None,
        template=m.template,
    )


def _answered(thing: CompiledThing, answers: Answers) -> tuple[AnsweredQuestion, ...]:
    out = []
    for q in thing.questions:
        value = answers.get(q.spec.code)
        if value is None:
            continue
        codes = tuple(value) if isinstance(value, list) else (value,)
        out.append(AnsweredQuestion(q.spec.code, q.spec.text, codes, tuple(q.option_labels[c] for c in codes)))
    return tuple(out)


def _steps(thing: CompiledThing, items: Sequence[GuideItem], hall: str) -> tuple[Step, ...]:
    steps: list[tuple[str, str, str]] = [
        ("online", "一次申请", f"在湖南政务服务网或“湘易办”App 在线填写一张表单、上传材料，或到{hall}一次提交。"),
        (
            "window",
            "综合受理",
            "综合窗口一次性审核：材料齐全的当场受理；非关键材料欠缺的可容缺受理，签署承诺后限期补齐；"
            "需要补正的，一次性告知全部补正内容。",
        ),
    ]
    if thing.spec.stages:
        for n, name in enumerate(thing.spec.stages, start=1):
            group = [i for i in items if i.stage == n]
            if group:
                span = max(i.finish_day for i in group) - min(i.start_day for i in group)
                names = "、".join(i.name for i in group)
                steps.append(
                    ("review", f"第{n}阶段：{name}", f"{len(group)} 个事项并联办理，{_about(span)}：{names}。")
                )
    else:
        for start in sorted({i.start_day for i in items}):
            wave = [i for i in items if i.start_day == start]
            names = "、".join(i.name for i in wave)
            if start == 0:
                steps.append(("review", "并联审批", f"受理后各部门同时办理：{names}。"))
            else:
                steps.append(("review", "后续办理", f"前序事项办结后（第 {start} 个工作日起）办理：{names}。"))
    onsite = [i.name for i in items if i.onsite_inspection]
    if onsite:
        steps.append(("onsite", "联合现场核查", f"需现场核查的事项由相关部门一次联合上门：{'、'.join(onsite)}。"))
    results = [i.result for i in items if i.result]
    if results:
        detail = (
            f"办结后 {'、'.join(results)} 同步生成电子证照，推送至“我的证照”；纸质证照可在综合窗口统一领取或免费邮寄。"
        )
    else:
        detail = "办结后通过短信和“我的办件”告知结果，需领取的在综合窗口统一领取或免费邮寄。"
    steps.append(("delivery", "统一出件", detail))
    return tuple(Step(n, kind, name, detail) for n, (kind, name, detail) in enumerate(steps, start=1))


def _about(span: int) -> str:
    return "当天办结" if span == 0 else f"约 {span} 个工作日"
