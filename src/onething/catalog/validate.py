"""Cross-file checks: turn shape-checked entries into a compiled ``Catalog`` or a list of problems.

Every problem names the file and line of the entry (or key) at fault, and all are collected before
returning, so an official fixing a catalog sees every mistake at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from onething.catalog import spec
from onething.catalog.graph import critical_path, find_cycle
from onething.catalog.model import (
    Catalog,
    CompiledComponent,
    CompiledItem,
    CompiledMaterialRef,
    CompiledQuestion,
    CompiledThing,
)
from onething.catalog.source import Located, Problem, SourceSet
from onething.kit.conditions import Condition, ConditionEvalError, ConditionSyntaxError

T = TypeVar("T")
LEVEL_ORDER = [lv.value for lv in spec.Level]


class _Checker:
    def __init__(self, sources: SourceSet) -> None:
        self.sources = sources
        self.problems: list[Problem] = list(sources.problems)

    def report(self, entry: Located, message: str, *sub: str | int) -> None:
        self.problems.append(entry.problem(message, *sub))

    def unique(self, section: str, label: str) -> dict[str, Located]:
        seen: dict[str, Located] = {}
        for entry in self.sources.entries[section]:
            code = entry.value.code
            if code in seen:
                first = seen[code]
                self.report(entry, f"{label}编码 {code!r} 重复（首次定义于 {first.file}:{first.line()}）", "code")
                continue
            seen[code] = entry
        return seen

    def exists(self, entry: Located, code: str | None, known: Mapping[str, Any], label: str, *sub: str | int) -> bool:
        if code is None or code in known:
            return True
        hint = _did_you_mean(code, known)
        self.report(entry, f"未知的{label} {code!r}{hint}", *sub)
        return False

    def compile(self, entry: Located, source: str | None, *sub: str | int) -> Condition | None:
        if source is None:
            return None
        try:
            return Condition.compile(source)
        except ConditionSyntaxError as exc:
            self.report(entry, f"条件无法编译：{exc}", *sub)
            return None


def build_catalog(sources: SourceSet) -> tuple[Catalog | None, list[Problem]]:
    """Check every cross-reference; return the compiled catalog only when there is no problem."""
    c = _Checker(sources)
    regions = _regions(c)
    org_kinds = {k: e.value for k, e in c.unique("org_kinds", "机构类别").items()}
    license_types = _license_types(c, org_kinds)
    data_elements = {k: e.value for k, e in c.unique("data_elements", "数据元").items()}
    materials = _materials(c, license_types)
    items = _items(c, org_kinds, license_types, data_elements, materials)
    _subject_fields(c, materials, items, data_elements)
    implementations = _implementations(c, items, regions)
    things = _things(c, items, org_kinds)
    _question_fills(c, things, data_elements)
    _material_conditions(c, items, things)
    if not things and not c.problems:
        c.problems.append(Problem(str(sources.root), 1, "目录中没有任何一件事，拒绝载入空目录"))
    synonyms = tuple(tuple(e.value.words) for e in sources.entries["synonyms"])
    holidays = _holidays(c)
    if c.problems:
        return None, sorted(c.problems, key=lambda p: (p.file, p.line))
    catalog = Catalog(
        digest=sources.digest,
        regions=regions,
        org_kinds=org_kinds,
        license_types=license_types,
        data_elements=data_elements,
        materials=materials,
        items=items,
        things=things,
        implementations=implementations,
        synonyms=synonyms,
        holidays=holidays,
    )
    return catalog, []


def _regions(c: _Checker) -> dict[str, spec.Region]:
    found = c.unique("regions", "区划")
    for entry in found.values():
        region: spec.Region = entry.value
        if region.parent is None:
            if region.level is not spec.Level.province:
                c.report(entry, f"区划 {region.code} 不是省级，必须给出 parent", "code")
            continue
        parent = found.get(region.parent)
        if parent is None:
            c.report(entry, f"上级区划 {region.parent!r} 不存在", "parent")
        elif LEVEL_ORDER.index(parent.value.level) >= LEVEL_ORDER.index(region.level):
            c.report(entry, f"上级区划 {region.parent} 的层级不高于 {region.code}", "parent")
    return {k: e.value for k, e in found.items()}


def _license_types(c: _Checker, org_kinds: Mapping[str, spec.OrgKind]) -> dict[str, spec.LicenseType]:
    found = c.unique("license_types", "证照类型")
    type_codes: dict[str, Located] = {}
    for entry in found.values():
        c.exists(entry, entry.value.issuer_kind, org_kinds, "机构类别", "issuer_kind")
        first = type_codes.setdefault(entry.value.type_code, entry)
        if first is not entry:
            where = f"{first.file}:{first.line()}"
            c.report(entry, f"证照类型代码 {entry.value.type_code} 与 {first.value.code}（{where}）重复", "type_code")
    return {k: e.value for k, e in found.items()}


def _materials(c: _Checker, license_types: Mapping[str, spec.LicenseType]) -> dict[str, spec.Material]:
    found = c.unique("materials", "材料")
    for entry in found.values():
        known = c.exists(entry, entry.value.license_type, license_types, "证照类型", "license_type")
        license_type = license_types.get(entry.value.license_type or "") if known else None
        _subject(c, entry, entry.value, license_type)
    return {k: e.value for k, e in found.items()}


def _subject(c: _Checker, entry: Located, m: spec.Material, license_type: spec.LicenseType | None) -> None:
    """Whose document a material is must fit the license that may stand in for it (免提交)."""
    subject = m.subject
    if subject is None:
        if m.subject_field is not None:
            c.report(entry, "给出了 subject_field 的材料必须同时给出 subject", "subject_field")
        return
    name = f"{subject.value}（{spec.SUBJECT_NAMES[subject]}）"
    if license_type is not None:
        if license_type.holder is spec.Audience.individual and subject not in spec.PERSON_SUBJECTS:
            c.report(
                entry,
                f"材料可由个人持有的电子证照「{license_type.name}」代替，subject 应为个人，不能是 {name}",
                "subject",
            )
        if license_type.holder is spec.Audience.enterprise and subject is not spec.Subject.enterprise:
            c.report(
                entry,
                f"材料可由企业持有的电子证照「{license_type.name}」代替，subject 应为 enterprise，不能是 {name}",
                "subject",
            )
        if license_type.identity and subject not in spec.IDENTIFIED_SUBJECTS:
            c.report(
                entry,
                f"身份证件「{license_type.name}」只能代替持证人本人的材料，{name}的身份证件不在申请人名下",
                "subject",
            )
    if subject in spec.FORM_IDENTIFIED_SUBJECTS and m.subject_field is None:
        c.report(entry, f"subject 为 {name}的材料必须用 subject_field 指明表单中哪一项是此人的公民身份号码", "subject")
    if m.subject_field is not None and subject not in spec.IDENTIFIED_SUBJECTS:
        c.report(entry, f"subject {name}不以公民身份号码识别，不能给出 subject_field", "subject_field")


def _subject_fields(
    c: _Checker,
    materials: Mapping[str, spec.Material],
    items: Mapping[str, CompiledItem],
    data_elements: Mapping[str, spec.DataElement],
) -> None:
    """``subject_field`` names a form field holding an ID number; for a person known only by that field
    (a spouse), every item asking for the material must ask for the field too, or no license could stand in."""
    fields: dict[str, spec.DataElement] = dict(data_elements)
    for item in items.values():
        for extra in item.spec.extra_fields:
            fields.setdefault(extra.code, extra)
    entries = {e.value.code: e for e in c.sources.entries["materials"]}
    usable: set[str] = set()
    for code, m in materials.items():
        if m.subject_field is None or code not in entries:
            continue
        entry, field = entries[code], fields.get(m.subject_field)
        if field is None:
            hint = _did_you_mean(m.subject_field, fields)
            c.report(entry, f"subject_field 引用的字段 {m.subject_field!r} 不存在{hint}", "subject_field")
        elif field.format is not spec.FieldFormat.id_number:
            c.report(
                entry,
                f"subject_field {m.subject_field!r}（{field.label}）不是公民身份号码字段（format: id_number）",
                "subject_field",
            )
        else:
            usable.add(code)
    item_entries = {e.value.code: e for e in c.sources.entries["items"]}
    for code, item in items.items():
        asked = set(item.spec.fields) | {f.code for f in item.spec.extra_fields}
        for i, ref in enumerate(item.spec.materials):
            material = materials.get(ref.material)
            subject = material.subject if material is not None and ref.material in usable else None
            if material is None or subject is None or subject not in spec.FORM_IDENTIFIED_SUBJECTS:
                continue
            if material.subject_field not in asked:
                c.report(
                    item_entries[code],
                    f"材料 {ref.material} 按表单字段 {material.subject_field} 识别{spec.SUBJECT_NAMES[subject]}，"
                    "本事项的表单却没有这一项",
                    "materials",
                    i,
                    "material",
                )


def _items(
    c: _Checker,
    org_kinds: Mapping[str, spec.OrgKind],
    license_types: Mapping[str, spec.LicenseType],
    data_elements: Mapping[str, spec.DataElement],
    materials: Mapping[str, spec.Material],
) -> dict[str, CompiledItem]:
    compiled: dict[str, CompiledItem] = {}
    for code, entry in c.unique("items", "事项").items():
        item: spec.Item = entry.value
        c.exists(entry, item.org_kind, org_kinds, "机构类别", "org_kind")
        if item.result is not None:
            c.exists(entry, item.result.license_type, license_types, "证照类型", "result", "license_type")
        if item.promised_days > item.legal_days:
            c.report(
                entry, f"承诺时限 {item.promised_days} 个工作日超过法定时限 {item.legal_days} 个工作日", "promised_days"
            )
        if item.kind is spec.ServiceKind.immediate and item.promised_days != 0:
            c.report(entry, f"即办件的承诺时限应为 0，实际为 {item.promised_days}", "promised_days")
        refs: list[CompiledMaterialRef] = []
        for i, ref in _no_duplicates(c, entry, item.materials, lambda r: r.material, "materials", "材料"):
            c.exists(entry, ref.material, materials, "材料", "materials", i, "material")
            refs.append(CompiledMaterialRef(ref, c.compile(entry, ref.when, "materials", i, "when")))
        for i, f in _no_duplicates(c, entry, item.fields, lambda f: f, "fields", "字段"):
            c.exists(entry, f, data_elements, "数据元", "fields", i)
        for i, extra in _no_duplicates(c, entry, item.extra_fields, lambda f: f.code, "extra_fields", "字段"):
            if extra.code in data_elements:
                c.report(entry, f"事项字段 {extra.code!r} 与通用数据元重名，请直接在 fields 中引用", "extra_fields", i)
        compiled[code] = CompiledItem(item, tuple(refs))
    return compiled


def _no_duplicates(
    c: _Checker, entry: Located, values: Iterable[T], key: Callable[[T], str], sub: str, label: str
) -> list[tuple[int, T]]:
    seen: set[str] = set()
    kept: list[tuple[int, T]] = []
    for i, value in enumerate(values):
        k = key(value)
        if k in seen:
            c.report(entry, f"{label} {k!r} 重复列出", sub, i)
            continue
        seen.add(k)
        kept.append((i, value))
    return kept


def _implementations(
    c: _Checker, items: Mapping[str, CompiledItem], regions: Mapping[str, spec.Region]
) -> dict[tuple[str, str], spec.Implementation]:
    found: dict[tuple[str, str], spec.Implementation] = {}
    for entry in c.sources.entries["implementations"]:
        impl: spec.Implementation = entry.value
        ok = c.exists(entry, impl.item, items, "事项", "item")
        ok = c.exists(entry, impl.region, regions, "区划", "region") and ok
        if not ok:
            continue
        legal = items[impl.item].spec.legal_days
        if impl.promised_days is not None and impl.promised_days > legal:
            c.report(entry, f"承诺时限 {impl.promised_days} 个工作日超过法定时限 {legal} 个工作日", "promised_days")
        key = (impl.item, impl.region)
        if key in found:
            c.report(entry, f"事项 {impl.item} 在区划 {impl.region} 的实施清单重复", "item")
        found[key] = impl
    return found


def _things(
    c: _Checker, items: Mapping[str, CompiledItem], org_kinds: Mapping[str, spec.OrgKind]
) -> dict[str, CompiledThing]:
    compiled: dict[str, CompiledThing] = {}
    for code, entry in c.unique("things", "一件事").items():
        thing: spec.Thing = entry.value
        c.exists(entry, thing.lead_org_kind, org_kinds, "机构类别", "lead_org_kind")
        questions = _questions(c, entry, thing)
        index = {q.spec.code: q for q in questions}
        components = _components(c, entry, thing, items, index)
        compiled[code] = CompiledThing(thing, tuple(questions), tuple(components), index)
        _promise_covers_critical_path(c, entry, compiled[code], items)
    return compiled


def _question_fills(
    c: _Checker, things: Mapping[str, CompiledThing], data_elements: Mapping[str, spec.DataElement]
) -> None:
    """An answer fills a choice field: both sides' options must exist, and one answer fills one value."""
    for entry in c.unique("things", "一件事").values():
        thing: spec.Thing = entry.value
        if thing.code not in things:
            continue
        for qi, q in enumerate(thing.questions):
            if q.fills is None:
                continue
            where = ("questions", qi, "fills")
            element = data_elements.get(q.fills.field)
            if element is None:
                c.report(entry, f"fills 指向的字段 {q.fills.field!r} 不存在", *where, "field")
                continue
            if q.multiple or element.type is not spec.FieldType.enum:
                c.report(entry, "fills 只能由单选问题填写单选（enum）字段", *where, "field")
                continue
            asked = {o.code for o in q.options}
            offered = {o.code for o in element.options}
            for answer, value in q.fills.values.items():
                if answer not in asked:
                    c.report(entry, f"问题没有选项 {answer!r}", *where, "values", answer)
                if value not in offered:
                    c.report(entry, f"字段「{element.label}」没有选项 {value!r}", *where, "values", answer)


def _questions(c: _Checker, entry: Located, thing: spec.Thing) -> list[CompiledQuestion]:
    out: list[CompiledQuestion] = []
    asked: dict[str, spec.Question] = {}
    for qi, q in _no_duplicates(c, entry, thing.questions, lambda q: q.code, "questions", "问题"):
        seen_options: set[str] = set()
        for oi, option in enumerate(q.options):
            if option.code in seen_options:
                c.report(entry, f"选项 {option.code!r} 重复列出", "questions", qi, "options", oi)
            seen_options.add(option.code)
        when = c.compile(entry, q.when, "questions", qi, "when")
        if when is not None and q.when is not None:
            _check_condition(c, entry, q.when, when, asked, ("questions", qi, "when"), earlier_only=True)
        asked[q.code] = q
        out.append(CompiledQuestion(q, when, {o.code: o.label for o in q.options}))
    return out


def _components(
    c: _Checker,
    entry: Located,
    thing: spec.Thing,
    items: Mapping[str, CompiledItem],
    questions: Mapping[str, CompiledQuestion],
) -> list[CompiledComponent]:
    out: list[CompiledComponent] = []
    listed = [comp.item for comp in thing.components]
    asked = {code: q.spec for code, q in questions.items()}
    staged = [comp.stage is not None for comp in thing.components]
    if thing.stages and not all(staged):
        c.report(entry, "一件事定义了 stages，每个组成事项都必须给出 stage", "components")
    if any(staged) and not thing.stages:
        c.report(entry, "组成事项给出了 stage，一件事必须定义 stages", "components")
    for i, comp in _no_duplicates(c, entry, thing.components, lambda comp: comp.item, "components", "事项"):
        c.exists(entry, comp.item, items, "事项", "components", i, "item")
        for a, dep in enumerate(comp.after):
            if dep not in listed:
                c.report(entry, f"after 引用的事项 {dep!r} 不在本一件事的组成事项中", "components", i, "after", a)
        if comp.stage is not None and thing.stages and comp.stage > len(thing.stages):
            c.report(entry, f"stage {comp.stage} 超出 stages 的数量 {len(thing.stages)}", "components", i, "stage")
        when = c.compile(entry, comp.when, "components", i, "when")
        reads: frozenset[str] = frozenset()
        compares: dict[str, frozenset[str]] = {}
        if when is not None and comp.when is not None:
            reads = frozenset(_check_condition(c, entry, comp.when, when, asked, ("components", i, "when")))
            for question, literal in spec.compared_options(comp.when):
                compares[question] = compares.get(question, frozenset()) | {literal}
        out.append(CompiledComponent(comp, when, reads, compares))
    cycle = find_cycle({comp.item: comp.after for comp in thing.components})
    if cycle:
        c.report(entry, "after 形成循环：" + " → ".join(cycle), "components")
    return out


def _promise_covers_critical_path(
    c: _Checker, entry: Located, compiled: CompiledThing, items: Mapping[str, CompiledItem]
) -> None:
    thing = compiled.spec
    if thing.promised_days is None:
        return
    if any(comp.item not in items for comp in thing.components):
        return
    if find_cycle({comp.item: tuple(comp.after) for comp in thing.components}):
        return
    durations = {comp.item: items[comp.item].spec.promised_days for comp in thing.components}
    total, _ = critical_path(durations, compiled.effective_deps(durations.keys()))
    if thing.promised_days < total:
        c.report(
            entry,
            f"承诺总时限 {thing.promised_days} 个工作日短于全部事项的关键路径 {total} 个工作日",
            "promised_days",
        )


def _material_conditions(c: _Checker, items: Mapping[str, CompiledItem], things: Mapping[str, CompiledThing]) -> None:
    """An item's material condition reads the answers of every thing that includes the item."""
    users: dict[str, list[CompiledThing]] = {}
    for thing in things.values():
        for comp in thing.components:
            users.setdefault(comp.spec.item, []).append(thing)
    item_entries = {e.value.code: e for e in c.sources.entries["items"]}
    for code, item in items.items():
        entry = item_entries[code]
        for i, ref in enumerate(item.materials):
            if ref.when is None or ref.spec.when is None:
                continue
            sub = ("materials", i, "when")
            for thing in users.get(code, []):
                asked = {q: cq.spec for q, cq in thing.question_index.items()}
                missing = spec.answers_referenced(ref.spec.when) - asked.keys()
                if missing:
                    names = "、".join(sorted(missing))
                    c.report(entry, f"材料条件读取的问题 {names} 在使用本事项的一件事 {thing.code} 中不存在", *sub)
                    continue
                _check_condition(c, entry, ref.spec.when, ref.when, asked, sub)
            if code not in users:
                _check_condition(c, entry, ref.spec.when, ref.when, None, sub)


def _check_condition(
    c: _Checker,
    entry: Located,
    source: str,
    condition: Condition,
    asked: Mapping[str, spec.Question] | None,
    sub: tuple[str | int, ...],
    *,
    earlier_only: bool = False,
) -> set[str]:
    """Questions and options a condition names must exist; it must evaluate to true or false."""
    reads = spec.answers_referenced(source)
    if asked is None:
        return reads
    for code in sorted(reads - asked.keys()):
        where = "之前的问题中" if earlier_only else "本一件事的问题中"
        c.report(entry, f"条件读取的问题 {code!r} 不在{where}", *sub)
    for question, literal in spec.compared_options(source):
        q = asked.get(question)
        if q is not None and literal not in {o.code for o in q.options}:
            offered = "、".join(o.code for o in q.options)
            c.report(entry, f"问题 {question!r} 没有选项 {literal!r}（可选：{offered}）", *sub)
    for sample in _samples(asked):
        try:
            condition.outcome({"answers": sample})
        except ConditionEvalError as exc:
            c.report(entry, f"条件无法求值：{exc}", *sub)
            break
    return reads


def _samples(asked: Mapping[str, spec.Question]) -> list[dict[str, Any]]:
    """Answer sets a condition must evaluate on: first options, last options, nothing chosen."""
    first = {k: ([q.options[0].code] if q.multiple else q.options[0].code) for k, q in asked.items()}
    last = {k: ([o.code for o in q.options] if q.multiple else q.options[-1].code) for k, q in asked.items()}
    empty = {k: ([] if q.multiple else q.options[0].code) for k, q in asked.items()}
    return [first, last, empty]


def _holidays(c: _Checker) -> tuple[spec.HolidayYear, ...]:
    years: dict[int, Located] = {}
    for entry in c.sources.entries["holidays"]:
        year: spec.HolidayYear = entry.value
        if year.year in years:
            c.report(entry, f"{year.year} 年的节假日重复定义", "year")
            continue
        years[year.year] = entry
        seen: set[str] = set()
        for i, day in enumerate(year.days):
            if not day.date.startswith(f"{year.year}-"):
                c.report(entry, f"日期 {day.date} 不在 {year.year} 年", "days", i, "date")
            if day.date in seen:
                c.report(entry, f"日期 {day.date} 重复", "days", i, "date")
            seen.add(day.date)
    return tuple(e.value for e in years.values())


def _did_you_mean(code: str, known: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(code, list(known), n=1, cutoff=0.75)
    return f"（是否想写 {close[0]!r}？）" if close else ""
