"""Every 免提交 is the right person's: a material says whose document it is (``subject``), and only a
license of that very person (or enterprise) stands in for it — the spouse's card found by the spouse's
ID number typed on the one form (and the read recorded under the case), the agent's own card, the
legal representative's card, never the applicant's own card on someone else's behalf.

One test per subject kind the shipped catalog uses, and the validator's refusals with file:line."""

from __future__ import annotations

import random
import textwrap
from pathlib import Path
from typing import Any

import pytest
from cases_support import AGENT, CREDIT_CODE
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from onething.cases.context import SYSTEM
from onething.catalog.model import Catalog
from onething.catalog.service import active_catalog, validate_path
from onething.catalog.spec import Subject
from onething.demo.cases import RESTAURANT, RESTAURANT_ANSWERS, sample_id_number
from onething.demo.wallets import seed_wallets
from onething.licenses import service as licenses
from onething.models import AuditEntry, License, Org

MOTHER = "430202197809210244"  # 赵敏: legal representative of 敏记餐饮
FATHER = AGENT  # 王磊: her enterprise's agent, and here the newborn's father
STUDENT = "430104199003070023"  # 李娜
ELDER = "430121196205050314"  # 孙建国
NEWBORN = {
    "birth_place": "hunan_hospital",
    "has_vaccination_card": "yes",
    "join_medical": "no",
    "need_ssc": "no",
    "maternity_insured": "no",
}
MINI = Path(__file__).parent / "fixtures" / "catalog" / "mini.yaml"


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture
def wallets(db: Session) -> Catalog:
    """Every demo citizen holds a 居民身份证 and a 居民户口簿 e-license (as in the demo)."""
    catalog = active_catalog(db)
    seed_wallets(db, catalog)
    return catalog


def issue(db: Session, catalog: Catalog, license_type: str, holder: tuple[str, str, str]) -> License:
    """A valid license of ``license_type`` from the first org of its issuing kind."""
    kind = catalog.license_types[license_type]
    org = db.scalars(select(Org).where(Org.kind == kind.issuer_kind).order_by(Org.code)).first()
    assert org is not None, kind.issuer_kind
    return licenses.issue(db, SYSTEM, kind, org, holder, [("name", "姓名", holder[1])], note="测试")


def id_license(db: Session, holder: str) -> License:
    row = db.scalar(select(License).where(License.holder_code == holder, License.license_type == "resident_id_card"))
    assert row is not None
    return row


def draft(client: TestClient, headers: dict[str, str], thing: str, answers: dict[str, Any], **extra: Any) -> Any:
    return ok(client.post("/api/v1/cases", json={"thing": thing, "answers": answers, **extra}, headers=headers), 201)


def save(client: TestClient, headers: dict[str, str], number: str, **form: Any) -> Any:
    ok(client.put(f"/api/v1/cases/{number}", json={"form": form}, headers=headers))
    return ok(client.get(f"/api/v1/cases/{number}", headers=headers))  # the next view


def needed(detail: dict[str, Any], code: str) -> dict[str, Any]:
    return next(m for m in detail["needed_materials"] if m["code"] == code)


def stand_in(detail: dict[str, Any], code: str) -> str | None:
    """The license reference standing in for ``code``, if any."""
    refs = [m["license_ref"] for m in detail["materials"] if m["material"] == code and m["source"] == "license"]
    assert len(refs) <= 1, refs
    return refs[0] if refs else None


def reads(db: Session, number: str) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.action == "license.read", AuditEntry.case_number == number)
    return list(db.scalars(stmt.order_by(AuditEntry.id)))


def unknown_person(taken: set[str]) -> str:
    rng = random.Random(2026)
    while (number := sample_id_number(rng)) in taken:
        pass
    return number


# --- spouse ----------------------------------------------------------------------------------------------


def test_the_spouse_card_is_the_spouse_s_own_never_the_applicant_s(
    client: TestClient, login: Any, db: Session, wallets: Catalog
) -> None:
    mother = login(MOTHER)
    detail = draft(client, mother, "newborn_birth", NEWBORN)
    number = detail["number"]
    spouse = needed(detail, "spouse_id_card")
    assert (spouse["subject"], spouse["subject_name"]) == ("spouse", "配偶")
    # Her own card stands in for her own material only; nothing is typed for the father yet.
    assert stand_in(detail, "id_card") == id_license(db, MOTHER).identifier
    assert stand_in(detail, "spouse_id_card") is None and spouse["provided"] is False

    # A number nobody holds an ID e-license for: the father's card has to be uploaded.
    stranger = unknown_person({MOTHER, FATHER, STUDENT, ELDER})
    detail = save(client, mother, number, spouse_name="王某", spouse_id_number=stranger)
    assert stand_in(detail, "spouse_id_card") is None and needed(detail, "spouse_id_card")["provided"] is False
    assert reads(db, number) == []

    # Her own number typed as the spouse's: her card still never stands in for the father's.
    detail = save(client, mother, number, spouse_id_number=MOTHER)
    assert stand_in(detail, "spouse_id_card") is None

    # The father's number: his own card stands in, and bringing it in is on the record under the case.
    father_card = id_license(db, FATHER)
    detail = save(client, mother, number, spouse_name="王磊", spouse_id_number=FATHER)
    assert stand_in(detail, "spouse_id_card") == father_card.identifier
    assert needed(detail, "spouse_id_card")["provided"] is True
    assert stand_in(detail, "id_card") == id_license(db, MOTHER).identifier  # hers stays hers
    [row] = reads(db, number)
    assert (row.object_type, row.object_id, row.reason) == (
        "license",
        str(father_card.id),
        "免提交：调用配偶的电子证照",
    )
    assert row.detail == {"material": "spouse_id_card", "subject": "spouse"}
    assert FATHER not in (row.reason or "") and FATHER not in str(row.detail)
    # Seeing his card's content is for the reviewers, not for whoever typed his number.
    material = next(m for m in detail["materials"] if m["material"] == "spouse_id_card")
    assert material["license_of_another"] is True
    refused = client.get(f"/api/v1/cases/{number}/materials/{material['id']}/license", headers=mother)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "license_of_another"
    again = ok(client.get(f"/api/v1/cases/{number}", headers=mother))  # looking again reads nothing new
    assert stand_in(again, "spouse_id_card") == father_card.identifier and len(reads(db, number)) == 1

    # Another number typed: the father's card no longer stands in, the material is asked for again.
    detail = save(client, mother, number, spouse_id_number=stranger)
    assert stand_in(detail, "spouse_id_card") is None and needed(detail, "spouse_id_card")["provided"] is False


def test_an_unknown_spouse_means_the_card_is_uploaded_before_submission(
    client: TestClient, login: Any, db: Session, wallets: Catalog
) -> None:
    """结婚登记: the other party's card is a key material; the applicant's own card never counts for it."""
    me = login(FATHER)
    detail = draft(
        client, me, "marriage_childbirth", {"premarital_exam": "no", "migrate": "no", "birth_registration": "no"}
    )
    number = detail["number"]
    assert stand_in(detail, "id_card") == id_license(db, FATHER).identifier
    assert "materials.spouse_id_card" in {p["field"] for p in detail["problems"]}
    detail = save(client, me, number, spouse_name="某某", spouse_id_number=unknown_person({MOTHER, FATHER}))
    assert "materials.spouse_id_card" in {p["field"] for p in detail["problems"]}
    detail = save(client, me, number, spouse_name="赵敏", spouse_id_number=MOTHER)
    assert stand_in(detail, "spouse_id_card") == id_license(db, MOTHER).identifier
    assert "materials.spouse_id_card" not in {p["field"] for p in detail["problems"]}


def test_the_spouse_s_house_is_the_spouse_s(client: TestClient, login: Any, db: Session, wallets: Catalog) -> None:
    """投靠配偶迁户口: the house moved into is the spouse's, so the applicant's own certificate never counts."""
    mine = issue(db, wallets, "real_estate_certificate", ("person", "王磊", FATHER))
    me = login(FATHER)
    answers = {"premarital_exam": "no", "migrate": "yes", "birth_registration": "no"}
    detail = draft(client, me, "marriage_childbirth", answers)
    assert needed(detail, "spouse_real_estate_certificate")["subject"] == "spouse"
    assert stand_in(detail, "spouse_real_estate_certificate") is None
    assert mine.identifier not in {m["license_ref"] for m in detail["materials"]}
    hers = issue(db, wallets, "real_estate_certificate", ("person", "赵敏", MOTHER))
    detail = save(client, me, detail["number"], spouse_name="赵敏", spouse_id_number=MOTHER)
    assert stand_in(detail, "spouse_real_estate_certificate") == hers.identifier


# --- applicant -------------------------------------------------------------------------------------------


def test_the_applicant_card_stands_in_only_while_the_form_names_the_applicant(
    client: TestClient, login: Any, db: Session, wallets: Catalog
) -> None:
    mother = login(MOTHER)
    detail = draft(client, mother, "newborn_birth", NEWBORN)
    assert needed(detail, "id_card")["subject"] == "applicant"
    assert stand_in(detail, "id_card") == id_license(db, MOTHER).identifier
    # The form now says the applicant is someone else (a guardian applying for another): her card is not theirs.
    detail = save(client, mother, detail["number"], applicant_id_number=STUDENT)
    assert stand_in(detail, "id_card") is None and needed(detail, "id_card")["provided"] is False


# --- agent and legal representative (an enterprise case) ---------------------------------------------------


def test_the_agent_s_own_card_and_the_legal_representative_s_card(
    client: TestClient, login: Any, db: Session, wallets: Catalog
) -> None:
    agent = login(AGENT)
    detail = draft(client, agent, RESTAURANT, RESTAURANT_ANSWERS, enterprise=CREDIT_CODE)
    number = detail["number"]
    assert needed(detail, "agent_id_card")["subject"] == "agent"
    assert needed(detail, "legal_rep_id_card")["subject"] == "legal_representative"
    assert "id_card" not in {m["code"] for m in detail["needed_materials"]}  # the enterprise has no ID card
    # 经办人: the signed-in agent's own card.
    assert stand_in(detail, "agent_id_card") == id_license(db, AGENT).identifier
    # 法定代表人: 赵敏's card (the legal-person library's legal representative), not the agent's; recorded.
    rep_card = id_license(db, MOTHER)
    assert stand_in(detail, "legal_rep_id_card") == rep_card.identifier
    [row] = reads(db, number)
    assert (row.object_id, row.reason) == (str(rep_card.id), "免提交：调用法定代表人的电子证照")
    assert row.detail == {"material": "legal_rep_id_card", "subject": "legal_representative"}
    material = next(m for m in detail["materials"] if m["material"] == "legal_rep_id_card")
    assert client.get(f"/api/v1/cases/{number}/materials/{material['id']}/license", headers=agent).status_code == 403
    own = next(m for m in detail["materials"] if m["material"] == "agent_id_card")
    assert own["license_of_another"] is False
    assert ok(client.get(f"/api/v1/cases/{number}/materials/{own['id']}/license", headers=agent))["holder_code"]


def test_the_agent_card_follows_the_agent_named_on_the_form(
    client: TestClient, login: Any, db: Session, wallets: Catalog
) -> None:
    """简易注销 asks for the 经办人 on the form (filled with the signed-in agent): naming another person
    there means the signed-in agent's card is not the 经办人's any more."""
    agent = login(AGENT)
    answers = {"dereg_mode": "simple", "has_staff": "no", "customs": "no", "permits": []}
    detail = draft(client, agent, "enterprise_deregistration", answers, enterprise=CREDIT_CODE)
    number = detail["number"]
    assert next(f for g in detail["form"] for f in g["fields"] if f["code"] == "agent_id_number")["value"] == AGENT
    assert stand_in(detail, "agent_id_card") == id_license(db, AGENT).identifier
    detail = save(client, agent, number, agent_name="李娜", agent_id_number=STUDENT)
    assert stand_in(detail, "agent_id_card") is None and needed(detail, "agent_id_card")["provided"] is False
    # The agent's own card was never someone else's: the only reads on record are the legal representative's.
    assert {(r.detail or {}).get("material") for r in reads(db, number)} <= {"legal_rep_id_card"}


def test_a_clerk_at_the_window_is_nobody_s_agent(client: TestClient, login: Any, db: Session, wallets: Catalog) -> None:
    """A window clerk keying in a case has no card here: the 经办人 material waits for an upload."""
    body = {"applicant_id_number": MOTHER, "channel": "window"}
    answers = {"need": ["certificate"], "applicant_role": "guardian"}
    detail = draft(client, login("ht_clerk"), "disability_service", answers, **body)
    assert needed(detail, "agent_id_card")["subject"] == "agent"
    assert stand_in(detail, "agent_id_card") is None
    assert stand_in(detail, "id_card") == id_license(db, MOTHER).identifier  # the served applicant's own


# --- enterprise ------------------------------------------------------------------------------------------


def test_enterprise_materials_come_from_the_enterprise_s_licenses(
    client: TestClient, login: Any, db: Session, wallets: Catalog
) -> None:
    agent = login(AGENT)
    licence = issue(db, wallets, "business_license", ("enterprise", "株洲市荷塘区敏记餐饮有限公司", CREDIT_CODE))
    detail = draft(client, agent, RESTAURANT, RESTAURANT_ANSWERS, enterprise=CREDIT_CODE)
    assert needed(detail, "business_license")["subject"] == "enterprise"
    assert stand_in(detail, "business_license") == licence.identifier
    # A person's case has no enterprise: nobody's business licence stands in, not even one in the wallet.
    issue(db, wallets, "business_license", ("enterprise", "李娜个体", STUDENT))
    answers = {"status": "startup", "need_loan": "yes", "running": "no"}
    person = draft(client, login(STUDENT), "employment_entrepreneurship", answers)
    assert needed(person, "business_license")["subject"] == "enterprise"
    assert stand_in(person, "business_license") is None


# --- child and deceased: documents held by the parent or relative, never their own ID card ----------------


def test_a_newborn_s_birth_certificate_from_the_parent_s_wallet(
    client: TestClient, login: Any, db: Session, wallets: Catalog
) -> None:
    certificate = issue(db, wallets, "birth_medical_certificate", ("person", "赵敏", MOTHER))
    detail = draft(client, login(MOTHER), "newborn_birth", {**NEWBORN, "birth_place": "elsewhere"})
    birth = needed(detail, "birth_medical_certificate")
    assert (birth["subject"], birth["subject_name"]) == ("child", "子女")
    assert stand_in(detail, "birth_medical_certificate") == certificate.identifier
    assert needed(detail, "spouse_id_card")["provided"] is False


def test_the_deceased_s_documents_are_never_the_relative_s_own_card(
    client: TestClient, login: Any, db: Session, wallets: Catalog
) -> None:
    proof = issue(db, wallets, "death_medical_certificate", ("person", "孙建国", ELDER))
    answers = {"death_place": "unnatural", "pension_type": "none", "employee_medical": "no", "has_fund": "no"}
    detail = draft(client, login(ELDER), "after_death", answers)
    assert needed(detail, "death_medical_certificate")["subject"] == "deceased"
    assert stand_in(detail, "death_medical_certificate") == proof.identifier
    assert needed(detail, "deceased_id_card")["subject"] == "deceased"
    assert stand_in(detail, "deceased_id_card") is None  # he holds a 居民身份证: his, not the deceased's
    assert stand_in(detail, "id_card") == id_license(db, ELDER).identifier


# --- family member (co-borrower) and other ---------------------------------------------------------------


def test_the_co_borrower_s_card_is_found_by_the_co_borrower_s_number(
    client: TestClient, login: Any, db: Session, wallets: Catalog
) -> None:
    student = login(STUDENT)
    detail = draft(client, student, "student_financial_aid", {"school_stage": "college"})
    number = detail["number"]
    assert needed(detail, "co_borrower_id_card")["subject"] == "family_member"
    assert stand_in(detail, "id_card") == id_license(db, STUDENT).identifier
    assert stand_in(detail, "co_borrower_id_card") is None  # her own card is not her father's
    detail = save(client, student, number, co_borrower_name="孙建国", co_borrower_id_number=ELDER)
    assert stand_in(detail, "co_borrower_id_card") == id_license(db, ELDER).identifier
    [row] = reads(db, number)
    assert row.reason == "免提交：调用家庭成员的电子证照"


def test_a_seller_s_certificate_is_nobody_s_in_the_buyer_s_wallet(
    client: TestClient, login: Any, db: Session, wallets: Catalog
) -> None:
    """二手房: the seller's certificate is the seller's; the buyer's own never stands in for it."""
    mine = issue(db, wallets, "real_estate_certificate", ("person", "王磊", FATHER))
    answers = {"seller_mortgage": "yes", "buyer_loan": "no", "utilities": ["water"]}
    detail = draft(client, login(FATHER), "second_hand_house_transfer", answers)
    assert needed(detail, "seller_real_estate_certificate")["subject"] == "other"
    assert needed(detail, "seller_real_estate_certificate")["provided"] is False
    assert stand_in(detail, "seller_real_estate_certificate") is None
    assert mine.identifier not in {m["license_ref"] for m in detail["materials"]}


def test_every_shipped_material_says_whose_it_is(seed_catalog: Catalog) -> None:
    kinds = set()
    for m in seed_catalog.materials.values():
        assert m.subject is not None, m.code
        kinds.add(m.subject)
    # Each kind the catalog uses has its test above.
    assert kinds == set(Subject)


# --- the validator ---------------------------------------------------------------------------------------


def problems(tmp_path: Path, extra: str) -> list[str]:
    (tmp_path / "mini.yaml").write_text(MINI.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "extra.yaml").write_text(textwrap.dedent(extra), encoding="utf-8")
    catalog, found, _ = validate_path(tmp_path)
    assert catalog is None
    return [f"{Path(p.file).name}:{p.line}: {p.message}" for p in found]


def test_an_unknown_subject_kind_is_refused_with_its_line(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        "materials:\n  - {code: m1, name: 甲, subject: applicant}\n  - {code: m2, name: 乙, subject: neighbour}\n",
    )
    assert [p for p in found if p.startswith("extra.yaml:3: materials.1.subject")], found
    assert not [p for p in found if p.startswith("extra.yaml:2:")], found


def test_subject_field_must_name_an_id_number_field(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        """\
        materials:
          - {code: m_nowhere, name: 甲, subject: spouse, subject_field: spouse_id_numbr, license_type: resident_id_card}
          - {code: m_name, name: 乙, subject: spouse, subject_field: applicant_name, license_type: resident_id_card}
          - {code: m_none, name: 丙, subject: spouse, license_type: resident_id_card}
          - {code: m_ok, name: 丁, subject: spouse, subject_field: applicant_id_number}
        items:
          - code: asks_for_it
            name: 某事项
            type: "20"
            legal_basis: [某条例]
            org_kind: market_regulation
            level: county
            materials:
              - material: m_ok
            fields: [applicant_name]
            legal_days: 5
            promised_days: 5
        """,
    )
    assert "extra.yaml:2: subject_field 引用的字段 'spouse_id_numbr' 不存在" in found, found
    assert (
        "extra.yaml:3: subject_field 'applicant_name'（申请人姓名）不是公民身份号码字段（format: id_number）" in found
    ), found
    assert any(p.startswith("extra.yaml:4: subject 为 spouse（配偶）的材料必须用 subject_field") for p in found), found
    assert "extra.yaml:14: 材料 m_ok 按表单字段 applicant_id_number 识别配偶，本事项的表单却没有这一项" in found, found


def test_a_license_stands_in_only_for_a_fitting_subject(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        """\
        license_types:
          - {code: person_card, type_code: "11430000MB1234567X009", name: 身份卡, issuer_kind: market_regulation,
             holder: individual, identity: true}
        materials:
          - {code: m_plan, name: 平面图, subject: other, license_type: resident_id_card}
          - {code: m_permit, name: 许可证, subject: applicant, license_type: business_license}
          - {code: m_child, name: 孩子的身份卡, subject: child, license_type: person_card}
          - {code: m_field, name: 企业的, subject: enterprise, subject_field: applicant_id_number}
        """,
    )
    assert (
        "extra.yaml:5: 材料可由个人持有的电子证照「居民身份证」代替，subject 应为个人，不能是 other（其他）" in found
    ), found
    assert (
        "extra.yaml:6: 材料可由企业持有的电子证照「营业执照」代替，"
        "subject 应为 enterprise，不能是 applicant（申请人本人）" in found
    )
    assert "extra.yaml:7: 身份证件「身份卡」只能代替持证人本人的材料，child（子女）的身份证件不在申请人名下" in found, (
        found
    )
    assert "extra.yaml:8: subject enterprise（申请企业）不以公民身份号码识别，不能给出 subject_field" in found, found
