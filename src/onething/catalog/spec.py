"""The catalog's source format: what a YAML file under ``catalog/`` may say.

These models check the shape of each entry (types, required keys, ranges, no unknown keys).
Cross-references (a thing naming an item that does not exist, cycles, conditions) are checked
by ``catalog.validate`` once every file has been read, because they span files.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

CODE_RE = r"^[a-z][a-z0-9_]*$"
Code = Annotated[str, Field(pattern=CODE_RE, max_length=64)]
Text = Annotated[str, Field(min_length=1, max_length=2000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Level(StrEnum):
    province = "province"
    city = "city"
    county = "county"
    township = "township"
    village = "village"


class Audience(StrEnum):
    individual = "individual"
    enterprise = "enterprise"


class ItemType(StrEnum):
    """National 政务服务事项类型 codes."""

    licensing = "01"  # 行政许可
    penalty = "02"  # 行政处罚
    enforcement = "03"  # 行政强制
    levy = "04"  # 行政征收
    payment = "05"  # 行政给付
    inspection = "06"  # 行政检查
    confirmation = "07"  # 行政确认
    reward = "08"  # 行政奖励
    adjudication = "09"  # 行政裁决
    other_power = "10"  # 其他行政权力
    public_service = "20"  # 公共服务


ITEM_TYPE_NAMES: dict[ItemType, str] = {
    ItemType.licensing: "行政许可",
    ItemType.penalty: "行政处罚",
    ItemType.enforcement: "行政强制",
    ItemType.levy: "行政征收",
    ItemType.payment: "行政给付",
    ItemType.inspection: "行政检查",
    ItemType.confirmation: "行政确认",
    ItemType.reward: "行政奖励",
    ItemType.adjudication: "行政裁决",
    ItemType.other_power: "其他行政权力",
    ItemType.public_service: "公共服务",
}


class Region(Strict):
    code: Annotated[str, Field(pattern=r"^\d{6}$|^\d{9}$|^\d{12}$")]
    name: Text
    level: Level
    parent: Annotated[str, Field(pattern=r"^\d{6}$|^\d{9}$|^\d{12}$")] | None = None


class OrgKind(Strict):
    code: Code
    name: Text  # 市场监督管理局
    short: Text  # 市场监管
    utility: bool = False  # 供水/供电/燃气/网络: not a government department


class LicenseType(Strict):
    code: Code
    name: Text
    issuer_kind: Code  # org kind that issues it
    holder: Audience
    # 身份证件 (居民身份证…): proves who its holder is, so it stands in only for the holder's own document,
    # never from someone else's wallet on behalf of a child or the deceased.
    identity: bool = False
    validity_years: Annotated[int, Field(ge=0, le=100)] | None = None  # None: long-term
    # GB/T 36904 证照类型代码: the defining body's credit code and a 3-digit sequence.
    type_code: Annotated[str, Field(pattern=r"^[0-9A-HJ-NP-RTUW-Y]{18}[0-9]{3}$")]


class FieldType(StrEnum):
    string = "string"
    text = "text"
    integer = "integer"
    decimal = "decimal"
    money = "money"  # yuan, two decimals
    area = "area"  # square metres
    date = "date"
    boolean = "boolean"
    enum = "enum"
    multi_enum = "multi_enum"


class FieldFormat(StrEnum):
    id_number = "id_number"  # GB 11643
    credit_code = "credit_code"  # GB 32100
    mobile = "mobile"
    phone = "phone"  # mobile or landline
    postal_code = "postal_code"
    email = "email"
    region_code = "region_code"  # GB/T 2260


class FormGroup(StrEnum):
    applicant = "applicant"  # 申请人
    agent = "agent"  # 经办人/代理人
    enterprise = "enterprise"  # 企业信息
    premises = "premises"  # 经营场所/房屋
    family = "family"  # 家庭成员
    subject = "subject"  # 办理对象（新生儿、逝者、残疾人…）
    project = "project"  # 建设项目
    other = "other"


FORM_GROUP_NAMES: dict[FormGroup, str] = {
    FormGroup.applicant: "申请人信息",
    FormGroup.agent: "经办人信息",
    FormGroup.enterprise: "企业信息",
    FormGroup.premises: "场所与房屋",
    FormGroup.family: "家庭成员",
    FormGroup.subject: "办理对象",
    FormGroup.project: "项目信息",
    FormGroup.other: "其他信息",
}

AUTOFILL_RE = r"^(population|legal_person|derived|license)\.[a-z][a-z0-9_.]*$"


class Option(Strict):
    code: Code
    label: Text


class DataElement(Strict):
    code: Code
    label: Text
    type: FieldType
    format: FieldFormat | None = None
    group: FormGroup = FormGroup.other
    max_length: Annotated[int, Field(ge=1, le=10000)] | None = None
    minimum: float | None = None
    maximum: float | None = None
    options: tuple[Option, ...] = ()
    autofill: Annotated[str, Field(pattern=AUTOFILL_RE)] | None = None
    hint: Text | None = None
    # Not every applicant has one (a separate warehouse, a notice date for a sole trader): the form
    # accepts a submission without it.
    optional: bool = False

    @model_validator(mode="after")
    def _options_match_type(self) -> DataElement:
        has_options = self.type in (FieldType.enum, FieldType.multi_enum)
        if has_options and not self.options:
            raise ValueError(f"字段类型 {self.type.value} 必须给出 options")
        if not has_options and self.options:
            raise ValueError(f"字段类型 {self.type.value} 不能有 options")
        return self


class MaterialForm(StrEnum):
    original = "original"  # 原件
    copy = "copy"  # 复印件
    original_and_copy = "original_and_copy"  # 原件及复印件
    electronic = "electronic"  # 电子材料


MATERIAL_FORM_NAMES: dict[MaterialForm, str] = {
    MaterialForm.original: "原件",
    MaterialForm.copy: "复印件",
    MaterialForm.original_and_copy: "原件及复印件",
    MaterialForm.electronic: "电子材料",
}


class Necessity(StrEnum):
    key = "key"  # 关键材料: cannot be missing
    tolerable = "tolerable"  # 容缺: may be supplied after acceptance


class Subject(StrEnum):
    """Whose document a material is: decides whose e-license may stand in for it (免提交)."""

    applicant = "applicant"  # 申请人本人
    spouse = "spouse"  # 配偶（新生儿的另一位父母、婚姻登记的另一方）
    family_member = "family_member"  # 其他家庭成员（共同借款人等），以表单中的身份号码识别
    child = "child"  # 子女：新生儿、入学儿童（证照由监护人代持）
    deceased = "deceased"  # 逝者（证照由办理丧事的亲属代持）
    legal_representative = "legal_representative"  # 法定代表人（负责人、经营者）
    agent = "agent"  # 经办人、代理人
    enterprise = "enterprise"  # 申请企业
    other = "other"  # 不属于上述任何一方：场所图纸、合同、卖方的证件……


SUBJECT_NAMES: dict[Subject, str] = {
    Subject.applicant: "申请人本人",
    Subject.spouse: "配偶",
    Subject.family_member: "家庭成员",
    Subject.child: "子女",
    Subject.deceased: "逝者",
    Subject.legal_representative: "法定代表人",
    Subject.agent: "经办人",
    Subject.enterprise: "申请企业",
    Subject.other: "其他",
}
# A person's document: only these may be stood in for by a license held by an individual.
PERSON_SUBJECTS = frozenset(Subject) - {Subject.enterprise, Subject.other}
# Subjects known by their own ID number: the only ones an identity license (居民身份证) may stand in for.
IDENTIFIED_SUBJECTS = frozenset(
    {Subject.applicant, Subject.spouse, Subject.family_member, Subject.agent, Subject.legal_representative}
)
# Subjects known only by the ID number typed on the form: they need ``subject_field``.
FORM_IDENTIFIED_SUBJECTS = frozenset({Subject.spouse, Subject.family_member})


class Material(Strict):
    code: Code
    name: Text
    form: MaterialForm = MaterialForm.original
    copies: Annotated[int, Field(ge=1, le=20)] = 1
    necessity: Necessity = Necessity.key
    license_type: Code | None = None  # an e-license that stands in for it (免提交)
    # Whose document it is. Without a subject no e-license stands in for it (the safe default).
    subject: Subject | None = None
    # The form field (format id_number) holding the subject's ID number: required for a spouse or family
    # member, a cross-check for the applicant, agent and legal representative.
    subject_field: Code | None = None
    template: Text | None = None  # blank template's file name
    note: Text | None = None


class MaterialRef(Strict):
    material: Code
    when: Text | None = None  # CEL over answers
    copies: Annotated[int, Field(ge=1, le=20)] | None = None
    necessity: Necessity | None = None
    note: Text | None = None


class ServiceKind(StrEnum):
    immediate = "immediate"  # 即办件
    promised = "promised"  # 承诺件


class Result(Strict):
    name: Text  # 食品经营许可证
    license_type: Code | None = None


class StepKind(StrEnum):
    online = "online"
    window = "window"
    onsite = "onsite"  # 现场核查/勘验
    review = "review"  # 审查/评审
    delivery = "delivery"


class Item(Strict):
    code: Code
    name: Text
    type: ItemType
    basic_code: Annotated[str, Field(max_length=40)] | None = None
    legal_basis: tuple[Text, ...] = Field(min_length=1)
    org_kind: Code
    level: Level
    conditions: tuple[Text, ...] = ()  # 受理条件
    materials: tuple[MaterialRef, ...] = ()
    fields: tuple[Code, ...] = ()  # data element codes
    extra_fields: tuple[DataElement, ...] = ()  # fields only this item asks
    legal_days: Annotated[int, Field(ge=0, le=365)]
    promised_days: Annotated[int, Field(ge=0, le=365)]
    kind: ServiceKind = ServiceKind.promised
    fee_yuan: Annotated[float, Field(ge=0)] = 0
    fee_basis: Text | None = None
    result: Result | None = None
    visits: Annotated[int, Field(ge=0, le=10)] = 1  # visits needed when applied for alone
    online_depth: Annotated[int, Field(ge=1, le=4)] = 3  # 网办深度 一级…四级
    onsite_inspection: bool = False
    notice_commitment: bool = False  # 告知承诺制 allowed


class Implementation(Strict):
    """An item as one region carries it out; applies to the region and everything below it."""

    item: Code
    region: Annotated[str, Field(pattern=r"^\d{6}$")]
    promised_days: Annotated[int, Field(ge=0, le=365)] | None = None
    fee_yuan: Annotated[float, Field(ge=0)] | None = None
    hall: Text | None = None
    window: Text | None = None


class QuestionFill(Strict):
    """The one form's field an answer already decides (店面自有还是租用 → 场所产权性质): filled in
    from the answer and never asked again. ``values``: answer option → the field's option."""

    field: Code
    values: dict[Code, Code] = Field(min_length=1)


class Question(Strict):
    code: Code
    text: Text
    options: tuple[Option, ...] = Field(min_length=2)
    multiple: bool = False
    required: bool = True
    when: Text | None = None
    help: Text | None = None
    fills: QuestionFill | None = None


class Component(Strict):
    item: Code
    when: Text | None = None
    after: tuple[Code, ...] = ()
    stage: Annotated[int, Field(ge=1, le=10)] | None = None  # construction projects: 1..4
    note: Text | None = None


class Thing(Strict):
    code: Code
    name: Text
    audience: Audience
    stage: Text  # life-cycle stage: 出生 上学 就业 婚育 置业 退役 退休 身后 … / 开办 经营 变更 注销 建设
    description: Text
    keywords: tuple[Text, ...] = ()
    lead_org_kind: Code
    promised_days: Annotated[int, Field(ge=0, le=365)] | None = None
    hall: Text | None = None
    questions: tuple[Question, ...] = ()
    components: tuple[Component, ...] = Field(min_length=1)
    stages: tuple[Text, ...] = ()  # names of stages when components use `stage`


class Synonym(Strict):
    words: tuple[Text, ...] = Field(min_length=2)


class HolidayDay(Strict):
    date: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    workday: bool  # true: an adjusted working day (调休上班); false: a day off
    name: Text | None = None


class HolidayYear(Strict):
    """Overrides for one year. ``complete: true`` says the list covers the whole year, so the
    calendar needs no fallback for it."""

    year: Annotated[int, Field(ge=2000, le=2100)]
    complete: bool = False
    source: Text | None = None
    days: tuple[HolidayDay, ...] = ()


class SourceFile(Strict):
    """One YAML file: any of these sections, each a list."""

    regions: tuple[Region, ...] = ()
    org_kinds: tuple[OrgKind, ...] = ()
    license_types: tuple[LicenseType, ...] = ()
    data_elements: tuple[DataElement, ...] = ()
    materials: tuple[Material, ...] = ()
    items: tuple[Item, ...] = ()
    implementations: tuple[Implementation, ...] = ()
    things: tuple[Thing, ...] = ()
    synonyms: tuple[Synonym, ...] = ()
    holidays: tuple[HolidayYear, ...] = ()


SECTIONS: tuple[str, ...] = tuple(SourceFile.model_fields)


def answers_referenced(condition: str) -> set[str]:
    """Question codes a condition reads (``answers.x`` or ``answers['x']``)."""
    dotted = re.findall(r"\banswers\.([a-z][a-z0-9_]*)", condition)
    indexed = re.findall(r"\banswers\[\s*['\"]([a-z][a-z0-9_]*)['\"]\s*\]", condition)
    return set(dotted) | set(indexed)


# `answers.q == 'x'`, `'x' != answers.q`, `'x' in answers.q`, `answers.q in ['x', 'y']`
_EQ_RIGHT = re.compile(r"answers\.([a-z][a-z0-9_]*)\s*(?:==|!=)\s*['\"]([^'\"]*)['\"]")
_EQ_LEFT = re.compile(r"['\"]([^'\"]*)['\"]\s*(?:==|!=)\s*answers\.([a-z][a-z0-9_]*)")
_IN = re.compile(r"['\"]([^'\"]*)['\"]\s+in\s+answers\.([a-z][a-z0-9_]*)")
_IN_LIST = re.compile(r"answers\.([a-z][a-z0-9_]*)\s+in\s+\[([^\]]*)\]")
_LITERAL = re.compile(r"['\"]([^'\"]*)['\"]")


def compared_options(condition: str) -> list[tuple[str, str]]:
    """(question, option) pairs a condition compares, in the usual forms of a situation test."""
    pairs = [(m[0], m[1]) for m in _EQ_RIGHT.findall(condition)]
    pairs += [(m[1], m[0]) for m in _EQ_LEFT.findall(condition)]
    pairs += [(m[1], m[0]) for m in _IN.findall(condition)]
    for question, body in _IN_LIST.findall(condition):
        pairs += [(question, lit) for lit in _LITERAL.findall(body)]
    return pairs
