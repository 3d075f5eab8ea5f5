"""Read-side views of a compiled catalog: lists, search results and details for API and pages."""

from __future__ import annotations

from onething.catalog import schemas, spec
from onething.catalog.model import Catalog, CompiledThing
from onething.catalog.search import index_for
from onething.kit.errors import NotFound, ValidationFailed

AUDIENCES = {"individual": "个人办事", "enterprise": "法人办事"}
# Life-cycle order people recognise; stages the catalog adds later sort after these.
STAGE_ORDER = "出生 上学 就业 婚育 置业 社保 救助 退役 退休 身后 开办 经营 变更 建设 注销".split()


def _stage_rank(stage: str) -> tuple[int, str]:
    return (STAGE_ORDER.index(stage), "") if stage in STAGE_ORDER else (len(STAGE_ORDER), stage)


def _summary(
    catalog: Catalog, thing: CompiledThing, score: float | None = None, matched: tuple[str, ...] = ()
) -> schemas.ThingSummary:
    s = thing.spec
    return schemas.ThingSummary(
        code=s.code,
        name=s.name,
        audience=s.audience.value,
        stage=s.stage,
        description=s.description,
        items=len(s.components),
        promised_days=s.promised_days,
        score=score,
        matched=list(matched),
    )


def list_things(
    catalog: Catalog, q: str | None = None, audience: str | None = None, stage: str | None = None, limit: int = 50
) -> schemas.ThingList:
    if audience is not None and audience not in AUDIENCES:
        raise ValidationFailed("audience 只能是 individual 或 enterprise", field="audience", code="invalid_audience")
    if not 1 <= limit <= 200:
        raise ValidationFailed("limit 应在 1 到 200 之间", field="limit", code="invalid_limit")

    def keep(thing: CompiledThing) -> bool:
        return (audience is None or thing.spec.audience.value == audience) and (
            stage is None or thing.spec.stage == stage
        )

    if q and q.strip():
        if len(q) > 100:
            raise ValidationFailed("搜索内容不能超过 100 个字", field="q", code="query_too_long")
        hits = [h for h in index_for(catalog).search(q.strip(), limit=200) if keep(h.thing)]
        found = [_summary(catalog, h.thing, h.score, h.matched) for h in hits[:limit]]
        return schemas.ThingList(catalog_version=catalog.version, total=len(hits), items=found)
    things = sorted(
        (t for t in catalog.things.values() if keep(t)),
        key=lambda t: (t.spec.audience.value != "individual", _stage_rank(t.spec.stage), t.spec.code),
    )
    return schemas.ThingList(
        catalog_version=catalog.version, total=len(things), items=[_summary(catalog, t) for t in things[:limit]]
    )


def stages(catalog: Catalog) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {a: [] for a in AUDIENCES}
    for t in catalog.things.values():
        bucket = out[t.spec.audience.value]
        if t.spec.stage not in bucket:
            bucket.append(t.spec.stage)
    return {a: sorted(b, key=_stage_rank) for a, b in out.items()}


def get_thing(catalog: Catalog, code: str) -> CompiledThing:
    thing = catalog.things.get(code)
    if thing is None:
        raise NotFound(f"没有编码为 {code} 的一件事", field="code", code="thing_not_found")
    return thing


def thing_detail(catalog: Catalog, code: str) -> schemas.ThingDetail:
    thing = get_thing(catalog, code)
    s = thing.spec
    base = _summary(catalog, thing).model_dump()
    return schemas.ThingDetail(
        **base,
        keywords=list(s.keywords),
        lead_org=catalog.org_kinds[s.lead_org_kind].name,
        hall=s.hall,
        stages=list(s.stages),
        questions=[
            schemas.QuestionOut(
                code=q.code,
                text=q.text,
                multiple=q.multiple,
                required=q.required,
                when=q.when,
                help=q.help,
                options=[schemas.OptionOut(code=o.code, label=o.label) for o in q.options],
            )
            for q in s.questions
        ],
        components=[
            schemas.ComponentOut(
                item=c.item,
                item_name=catalog.items[c.item].spec.name,
                org_name=catalog.org_kinds[catalog.items[c.item].spec.org_kind].name,
                promised_days=catalog.items[c.item].spec.promised_days,
                when=c.when,
                after=list(c.after),
                stage=c.stage,
            )
            for c in s.components
        ],
        catalog_version=catalog.version,
    )


def item_detail(catalog: Catalog, code: str) -> schemas.ItemDetail:
    item = catalog.items.get(code)
    if item is None:
        raise NotFound(f"没有编码为 {code} 的事项", field="code", code="item_not_found")
    s = item.spec
    elements = {e.code: e for e in s.extra_fields} | {c: catalog.data_elements[c] for c in s.fields}
    return schemas.ItemDetail(
        code=s.code,
        name=s.name,
        type=s.type.value,
        type_name=spec.ITEM_TYPE_NAMES[s.type],
        basic_code=s.basic_code,
        legal_basis=list(s.legal_basis),
        org_kind=s.org_kind,
        org_name=catalog.org_kinds[s.org_kind].name,
        level=s.level.value,
        conditions=list(s.conditions),
        materials=[
            schemas.MaterialOut(
                code=r.material,
                name=catalog.materials[r.material].name,
                form=catalog.materials[r.material].form.value,
                copies=r.copies or catalog.materials[r.material].copies,
                necessity=(r.necessity or catalog.materials[r.material].necessity).value,
                license_type=catalog.materials[r.material].license_type,
                when=r.when,
                note=r.note or catalog.materials[r.material].note,
            )
            for r in s.materials
        ],
        fields=[
            schemas.FieldOut(
                code=e.code,
                label=e.label,
                type=e.type.value,
                format=e.format.value if e.format else None,
                group=e.group.value,
                autofill=e.autofill,
            )
            for e in elements.values()
        ],
        legal_days=s.legal_days,
        promised_days=s.promised_days,
        kind=s.kind.value,
        fee_yuan=s.fee_yuan,
        fee_basis=s.fee_basis,
        result=s.result.name if s.result else None,
        license_type=s.result.license_type if s.result else None,
        visits=s.visits,
        online_depth=s.online_depth,
        onsite_inspection=s.onsite_inspection,
        notice_commitment=s.notice_commitment,
        things=[t.code for t in catalog.things.values() if any(c.spec.item == code for c in t.components)],
        catalog_version=catalog.version,
    )
