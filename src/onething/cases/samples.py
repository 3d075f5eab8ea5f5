"""样表: the letters the catalog asks applicants to sign — 告知承诺书 and the other 承诺书, 授权委托书 — as
A4 PDFs: a blank one to print and fill in, and a filled-in example labelled and watermarked 样表.

Pure: the caller passes the material's catalog code, name and note and the day (sample dates). The
layout is the printed notices' (:mod:`onething.cases.notices`: blocks, line breaking, new pages); the
per-document CJK font and the diagonal watermark are the licenses' (:mod:`onething.licenses.render`).

Which materials get one: those whose name says it is a letter (:func:`is_letter`). Seven have their own
text; any other 承诺书 gets a general commitment built from its catalog note, any other 委托书 the
authorisation letter, so a letter added to the catalog has a sample at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

from onething.cases.notices import PLATFORM, _Block, _Flow
from onething.licenses.render import _watermark, cjk_document

__all__ = ["LETTER_WORDS", "WATERMARK", "Fill", "Letter", "Tick", "is_letter", "letter", "pdf", "sample_pdf"]

LETTER_WORDS = ("承诺书", "委托书")
WATERMARK = "样表"
FILLED_NOTE = "样表（填写示例）：示例内容均为虚构，仅供参照填写，不能作为申请材料提交"
BLANK_NOTE = "空白表：请打印后用黑色墨水笔填写，签字（盖章）后提交"
_BLANK_DATE = "______年____月____日"
_ASCII = "".join(chr(c) for c in range(0x20, 0x7F))
_MUTED = (105, 105, 105)
_CENTRE_X, _FOOTER_Y, _FOOTER_W = 105.0, 287.0, 166.0  # A4, within the notices' margins


def is_letter(name: str) -> bool:
    """A material that is a letter to sign, by its name: these have 样表."""
    return any(word in name for word in LETTER_WORDS)


@dataclass(frozen=True)
class Fill:
    """A space the signer fills in: underlined on the blank form, ``sample`` on the example."""

    sample: str
    width: int = 36  # underscores on the blank form
    blank: str | None = None  # printed instead of underscores (a date's 年 月 日)

    def show(self, filled: bool) -> str:
        if filled and self.sample:
            return self.sample
        return self.blank if self.blank is not None else "_" * self.width


@dataclass(frozen=True)
class Tick:
    """A box to tick: empty on the blank form, filled on the example when ``checked``."""

    checked: bool

    def show(self, filled: bool) -> str:
        return "■" if filled and self.checked else "□"


@dataclass(frozen=True)
class Letter:
    """A letter's text: blocks whose text and label may name blanks as ``{key}``."""

    title: str
    blanks: Mapping[str, Fill | Tick]
    body: tuple[_Block, ...]

    def blocks(self, filled: bool) -> list[_Block]:
        values = {key: blank.show(filled) for key, blank in self.blanks.items()}
        out = [
            _Block("platform", PLATFORM),
            _Block("title", self.title),
            _Block("subtitle", FILLED_NOTE if filled else BLANK_NOTE),
        ]
        for b in self.body:
            if b.style == "sign" and "签" in b.text:
                out.append(_Block("text", ""))  # room above the line for a handwritten signature
            out.append(_Block(b.style, b.text.format_map(values), b.label.format_map(values)))
        return out


# ---------------------------------------------------------------------------------------------- text


def _date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _heading(text: str) -> _Block:
    return _Block("heading", text)


def _field(label: str, key: str) -> _Block:
    return _Block("field", "{" + key + "}", label)


def _text(text: str) -> _Block:
    return _Block("text", text)


def _sign(text: str) -> _Block:
    return _Block("sign", text)


def _numbered(texts: Iterable[str]) -> Iterator[_Block]:
    for n, text in enumerate(texts, 1):
        yield _Block("item", text, f"{n}.")


def _ticks(pairs: Iterable[tuple[str, str]]) -> Iterator[_Block]:
    for key, text in pairs:
        yield _Block("item", text, "{" + key + "}")


def _literal(text: str) -> str:
    """Catalog text placed into a letter: braces would read as blanks."""
    return text.replace("{", "{{").replace("}", "}}")


# Fictitious but plausible: the codes keep their length with X where real digits would be.
_ENTERPRISE = "长沙市岳麓区示例餐饮有限公司"
_CREDIT_CODE = "91430104XXXXXXXXXX"
_PERSON, _PERSON_ID = "张三", "43010419900101XXXX"
_LEGAL_REP = "李四"
_SAMPLE_ADDRESS = "长沙市岳麓区示例路88号1层101室"


def _dates(today: dt.date) -> dict[str, Fill | Tick]:
    return {"date": Fill(_date(today), blank=_BLANK_DATE)}


def _enterprise_signature(today: dt.date) -> tuple[dict[str, Fill | Tick], tuple[_Block, ...]]:
    blanks: dict[str, Fill | Tick] = {
        "rep_sign": Fill(f"{_LEGAL_REP}（签字）", 14),
        "seal": Fill(f"{_ENTERPRISE}（盖章）", 14),
        **_dates(today),
    }
    return blanks, (
        _sign("法定代表人（负责人）签字：{rep_sign}"),
        _sign("企业（申请人）盖章：{seal}"),
        _sign("日期：{date}"),
    )


def _attorney(title: str, today: dt.date) -> Letter:
    blanks: dict[str, Fill | Tick] = {
        "principal": Fill(_ENTERPRISE),
        "principal_code": Fill(_CREDIT_CODE),
        "legal_rep": Fill(_LEGAL_REP),
        "principal_phone": Fill("0731-8888XXXX"),
        "agent": Fill(_PERSON),
        "agent_id": Fill(_PERSON_ID),
        "agent_unit": Fill("委托人的员工（行政部）"),
        "agent_phone": Fill("1380731XXXX"),
        "matter": Fill("开办餐饮店（一件事一次办）", 24),
        "t_submit": Tick(True),
        "t_correct": Tick(True),
        "t_receive": Tick(True),
        "t_collect": Tick(True),
        "t_commit": Tick(False),
        "t_other": Tick(False),
        "other": Fill("", 24),
        "start": Fill(_date(today), blank=_BLANK_DATE),
        "end": Fill(_date(today + dt.timedelta(days=90)), blank=_BLANK_DATE),
        "principal_sign": Fill(f"{_LEGAL_REP}（签字）　{_ENTERPRISE}（盖章）", 14),
        "agent_sign": Fill(f"{_PERSON}（签字）", 14),
        **_dates(today),
    }
    body = (
        _heading("一、委托人（个人填公民身份号码；企业填统一社会信用代码和法定代表人）"),
        _field("姓名或名称", "principal"),
        _field("证件号码", "principal_code"),
        _field("法定代表人", "legal_rep"),
        _field("联系电话", "principal_phone"),
        _heading("二、受托人（经办人）"),
        _field("姓名", "agent"),
        _field("公民身份号码", "agent_id"),
        _field("工作单位", "agent_unit"),
        _field("联系电话", "agent_phone"),
        _heading("三、委托事项"),
        _text("委托人现委托上述受托人作为经办人，代为办理“{matter}”的申请手续。"),
        _heading("四、委托权限（在同意委托的权限前的“□”内打“√”；未勾选的，受托人无权办理）"),
        *_ticks(
            (
                ("t_submit", "填写、提交申请表单和申请材料，查询办理进度；"),
                ("t_correct", "按照一次性补正告知补正表单和材料；"),
                ("t_receive", "签收受理回执、一次性补正告知书等文书；"),
                ("t_collect", "领取办理结果（证照、批准文书等）；"),
                ("t_commit", "代为签署告知承诺书（承诺的法律责任由委托人承担）；"),
                ("t_other", "其他：{other}"),
            )
        ),
        _heading("五、委托期限"),
        _text("自{start}起至{end}止；事项提前办结的，至领取办理结果之日止。"),
        _text(
            "委托人声明：受托人在上述权限内办理的事项，委托人予以承认并承担相应的法律后果；委托人对提交的材料的"
            "真实性负责。受托人无转委托权。撤销委托的，委托人应当书面告知受理机构。"
            "附委托人、受托人的身份证件复印件（平台可以调取电子证照的，免于提交）。"
        ),
        _sign("委托人（签字或盖章）：{principal_sign}"),
        _sign("受托人（签字）：{agent_sign}"),
        _sign("日期：{date}"),
    )
    return Letter(title, blanks, body)


def _notice_commitment(title: str, today: dt.date) -> Letter:
    """证明事项告知承诺书 as 国办发〔2020〕42号 describes it: the authority's notice, then the promise."""
    blanks: dict[str, Fill | Tick] = {
        "matter": Fill("公共场所卫生许可"),
        "proof": Fill("公共场所卫生检测（评价）报告", 24),
        "authority": Fill("长沙市岳麓区卫生健康局"),
        "conditions": Fill("经营场所的卫生条件、设施设备和从业人员健康管理符合公共场所卫生标准和要求", 40),
        "verify_days": Fill("20", 6),
        "applicant": Fill("长沙市岳麓区示例酒店管理有限公司"),
        "applicant_code": Fill(_CREDIT_CODE),
        "applicant_sign": Fill(f"{_LEGAL_REP}（签字）　长沙市岳麓区示例酒店管理有限公司（盖章）", 14),
        "authority_sign": Fill("（盖章）", 14),
        **_dates(today),
    }
    body = (
        _text(
            "根据《国务院办公厅关于全面推行证明事项告知承诺制的指导意见》（国办发〔2020〕42号），行政机关书面告知"
            "证明义务、证明内容和不实承诺的法律责任，申请人书面承诺符合告知的条件、标准和要求并愿意承担不实承诺的"
            "法律责任的，行政机关不再索要有关证明，依据书面承诺办理。"
        ),
        _heading("一、行政机关告知"),
        _field("办理事项", "matter"),
        _field("证明事项", "proof"),
        _field("行政机关", "authority"),
        *_numbered(
            (
                "证明义务和证明内容：申请人应当提交“{proof}”，用以证明：{conditions}。",
                "承诺方式：申请人自愿选择告知承诺方式的，以本承诺书代替上述证明，不再提交该证明；不愿或者不能作出承诺的，"
                "应当提交该证明。",
                "承诺的效力：申请人作出承诺并签署本承诺书后，行政机关依据承诺办理相关事项。",
                "核查：行政机关将在作出决定后 {verify_days} 个工作日内，"
                "通过数据共享、部门协查、现场核查等方式核查承诺内容。",
                "不实承诺的法律责任：申请人的承诺与实际情况不符的，行政机关将依法撤销已作出的决定，已发放的证照一并撤销；"
                "不实承诺记入申请人的信用记录，依法依规实施失信惩戒；涉嫌违法犯罪的，依法移送有关机关处理。",
            )
        ),
        _heading("二、申请人承诺"),
        _field("申请人", "applicant"),
        _field("证件号码", "applicant_code"),
        _text("申请人郑重承诺："),
        *_numbered(
            (
                "已经知晓行政机关告知的全部内容；",
                "自身符合行政机关告知的条件、标准和要求，能够按照要求提供相关材料；",
                "所作承诺真实、准确、完整，是申请人真实的意思表示；",
                "同意并配合行政机关核查承诺内容；",
                "愿意承担不实承诺的法律责任：承诺不实的，同意行政机关撤销已作出的决定，同意将不实承诺记入信用记录，"
                "并依法接受失信惩戒。",
            )
        ),
        _text("本承诺书一式两份，申请人和行政机关各执一份。"),
        _sign("申请人（签字或盖章）：{applicant_sign}"),
        _sign("日期：{date}"),
        _sign("行政机关（盖章）：{authority_sign}"),
        _sign("日期：{date}"),
    )
    return Letter(title, blanks, body)


def _residence(title: str, today: dt.date) -> Letter:
    signature, signs = _enterprise_signature(today)
    blanks: dict[str, Fill | Tick] = {
        "name": Fill(_ENTERPRISE),
        "code": Fill(_CREDIT_CODE),
        "address": Fill(_SAMPLE_ADDRESS),
        "own": Tick(False),
        "lease": Tick(True),
        "free": Tick(False),
        "owner": Fill("王五"),
        "period": Fill(f"{_date(today)}至{_date(today + dt.timedelta(days=3 * 365))}"),
        **signature,
    }
    body = (
        _heading("一、申报信息"),
        _field("企业名称", "name"),
        _field("统一社会信用代码", "code"),
        _text("（设立登记时填写申请登记的名称，统一社会信用代码可不填）"),
        _field("住所（经营场所）", "address"),
        _Block("field", "{own} 自有　{lease} 租赁　{free} 无偿使用", "使用权来源"),
        _field("产权人", "owner"),
        _field("使用期限", "period"),
        _heading("二、承诺内容"),
        _text("本企业申报上述地址为住所（经营场所），郑重承诺："),
        *_numbered(
            (
                "申报的住所（经营场所）真实存在、地址准确，本企业依法享有使用权；",
                "该场所不属于违法建筑、危险建筑，不在征收拆迁范围内，用途符合法律法规和国土空间规划的规定；"
                "需要取得许可的经营活动，取得许可后方在该场所开展；",
                "登记机关和有关部门能够通过该住所（经营场所）与本企业取得联系，本企业依法接受监督检查；",
                "住所（经营场所）发生变化的，依法及时办理变更登记；",
                "因使用该场所产生的纠纷和法律责任，由本企业承担。",
            )
        ),
        _heading("三、不实申报的后果"),
        _text(
            "申报不实或者违背承诺的，本企业依法承担法律责任：通过登记的住所（经营场所）无法联系的，登记机关依法将本企业"
            "列入经营异常名录；提交虚假材料或者采取其他欺诈手段隐瞒重要事实取得登记的，依法撤销登记；"
            "有关情况记入信用记录并依法公示，依法依规接受失信惩戒。"
        ),
        *signs,
    )
    return Letter(title, blanks, body)


def _investors(title: str, today: dt.date) -> Letter:
    blanks: dict[str, Fill | Tick] = {
        "name": Fill(_ENTERPRISE),
        "code": Fill(_CREDIT_CODE),
        "investor_1": Fill(f"{_LEGAL_REP}（签字）"),
        "investor_2": Fill(f"{_PERSON}（签字）"),
        "investor_3": Fill("长沙示例投资有限公司（盖章）"),
        **_dates(today),
    }
    body = (
        _field("企业名称", "name"),
        _field("统一社会信用代码", "code"),
        _text("本企业申请简易注销登记，全体投资人郑重承诺："),
        *_numbered(
            (
                "本企业申请注销登记前未发生债权债务，或者已将债权债务清偿完结；",
                "本企业未发生或者已结清清偿费用、职工工资、社会保险费用、法定补偿金，应缴纳的税款（滞纳金、罚款）已经缴清；",
                "本企业不存在不适用简易注销程序的情形：未被列入经营异常名录或者严重违法失信名单，股权（投资权益）未被冻结、"
                "出质，财产未被查封、扣押、冻结，没有正在被立案调查、采取行政强制、司法协助或者行政处罚尚未执行完毕的情形；",
                "本企业提交的材料真实、合法、有效。",
            )
        ),
        _text(
            "全体投资人对以上承诺的真实性负责。承诺不实的，登记机关可以依法撤销注销登记，恢复企业的主体资格，"
            "将企业列入严重违法失信名单并公示；有关情况记入信用记录，全体投资人依法承担相应的法律责任，"
            "自愿接受有关行政执法部门的约束和失信惩戒。"
        ),
        _heading("全体投资人签字（盖章）"),
        _text("自然人投资人签字，非自然人投资人盖章；行数不够的，可另附页由全体投资人签字（盖章）。"),
        _field("投资人", "investor_1"),
        _field("投资人", "investor_2"),
        _field("投资人", "investor_3"),
        _sign("日期：{date}"),
    )
    return Letter(title, blanks, body)


def _credit_repair(title: str, today: dt.date) -> Letter:
    signature, signs = _enterprise_signature(today)
    blanks: dict[str, Fill | Tick] = {
        "name": Fill(_ENTERPRISE),
        "code": Fill(_CREDIT_CODE),
        "record": Fill("行政处罚决定书（岳示例市监罚〔2025〕12号）"),
        **signature,
    }
    body = (
        _field("申请单位", "name"),
        _field("统一社会信用代码", "code"),
        _field("拟修复信息", "record"),
        _text("本单位申请对上述失信信息进行信用修复，郑重承诺："),
        *_numbered(
            (
                "已经履行行政处罚决定规定的义务（缴清罚没款、完成整改），纠正了失信行为，消除了不良影响；",
                "申请信用修复提交的材料真实、准确、完整，没有隐瞒、伪造或者篡改；",
                "自觉守法诚信经营，不再发生同类违法失信行为；",
                "同意在信用网站公开本承诺书，接受社会监督。",
            )
        ),
        _text(
            "违背上述承诺的，本单位自愿接受撤销信用修复决定、恢复公示失信信息，违背承诺的情况记入信用记录，"
            "依法依规接受失信惩戒；提供虚假材料的，依法承担法律责任。"
        ),
        *signs,
    )
    return Letter(title, blanks, body)


def _construction_funds(title: str, today: dt.date) -> Letter:
    signature, signs = _enterprise_signature(today)
    blanks: dict[str, Fill | Tick] = {
        "name": Fill("长沙示例置业有限公司"),
        "code": Fill(_CREDIT_CODE),
        "project": Fill("示例花园一期1#、2#住宅楼"),
        "site": Fill("长沙市岳麓区示例路以南、样板路以东"),
        "price": Fill("8,600万元"),
        "source": Fill("企业自有资金和银行开发贷款", 24),
        **signature,
    }
    body = (
        _field("建设单位", "name"),
        _field("统一社会信用代码", "code"),
        _field("工程名称", "project"),
        _field("建设地址", "site"),
        _field("工程合同价", "price"),
        _text("本单位申请办理上述工程的建筑工程施工许可，郑重承诺："),
        *_numbered(
            (
                "该工程的建设资金已经落实，资金来源为{source}，资金到位情况满足工程建设进度的需要；",
                "按照合同约定及时足额支付工程款，按照规定存储农民工工资保证金、通过农民工工资专用账户代发工资，"
                "不拖欠工程款和农民工工资；",
                "不要求施工单位垫资施工；",
                "接受发证机关和有关部门的监督检查，如实提供资金落实情况的材料。",
            )
        ),
        _text(
            "承诺不实的，本单位依法承担法律责任：发证机关依法撤销施工许可，责令停止施工；有关情况记入信用记录，"
            "依法依规实施失信惩戒。"
        ),
        *signs,
    )
    return Letter(title, blanks, body)


def _homestead(title: str, today: dt.date) -> Letter:
    blanks: dict[str, Fill | Tick] = {
        "name": Fill(_PERSON),
        "id": Fill(_PERSON_ID),
        "village": Fill("示例县示例镇样板村第三村民小组"),
        "area": Fill("120平方米", 12),
        "reason": Fill("分户新建住房", 16),
        "old_area": Fill("无", 10),
        "months": Fill("—", 6),
        "sign": Fill(f"{_PERSON}（签字并按手印）", 14),
        **_dates(today),
    }
    body = (
        _field("申请人", "name"),
        _field("公民身份号码", "id"),
        _field("所在村（组）", "village"),
        _field("申请面积", "area"),
        _field("申请理由", "reason"),
        _text("本人申请使用农村宅基地建房，代表本户郑重承诺："),
        *_numbered(
            (
                "本户符合“一户一宅”的规定：除本次申请外，本户在本集体经济组织内没有其他宅基地；原有宅基地面积为{old_area}的，"
                "新房建成后{months}个月内拆除旧房，将原宅基地退还村集体经济组织；",
                "按照批准的位置、面积和用途使用宅基地，按照乡村建设规划许可建房，不超占、不乱占，不占用永久基本农田；",
                "不买卖、不违规转让宅基地，不改变宅基地的居住用途；",
                "建房期间接受乡镇人民政府和村集体经济组织的监督，竣工后申请验收。",
            )
        ),
        _text(
            "违反承诺的，本人同意由有关部门依法责令退还非法占用的土地、限期拆除违法建筑，并依法承担相应的法律责任；"
            "有关情况记入信用记录，依法依规实施失信惩戒。"
        ),
        _sign("申请人：{sign}"),
        _sign("日期：{date}"),
    )
    return Letter(title, blanks, body)


def _general_commitment(title: str, note: str | None, today: dt.date) -> Letter:
    """Any other 承诺书: what it promises is its catalog note."""
    blanks: dict[str, Fill | Tick] = {
        "name": Fill(_ENTERPRISE),
        "code": Fill(_CREDIT_CODE),
        "matter": Fill("开办餐饮店（一件事一次办）"),
        "sign": Fill(f"{_LEGAL_REP}（签字）　{_ENTERPRISE}（盖章）", 14),
        **_dates(today),
    }
    promise = _literal(note.rstrip("。；;. ")) if note else "所承诺的情况真实、准确、完整"
    body = (
        _field("承诺人", "name"),
        _field("证件号码", "code"),
        _text("（承诺人是个人的，填写公民身份号码；是企业或其他组织的，填写统一社会信用代码）"),
        _field("办理事项", "matter"),
        _text("承诺人就申请办理上述事项郑重承诺："),
        *_numbered((f"{promise}；", "提交的材料真实、合法、有效；", "同意并配合有关部门核查承诺内容。")),
        _text(
            "承诺不实的，承诺人同意有关部门依法撤销据此作出的决定，将不实承诺记入信用记录并依法依规接受失信惩戒，"
            "依法承担相应的法律责任。"
        ),
        _sign("承诺人（签字或盖章）：{sign}"),
        _sign("日期：{date}"),
    )
    return Letter(title, blanks, body)


_OWN_TEXT: dict[str, Callable[[str, dt.date], Letter]] = {
    "power_of_attorney": _attorney,
    "commitment_letter": _notice_commitment,
    "residence_declaration": _residence,
    "all_investors_commitment": _investors,
    "credit_repair_commitment": _credit_repair,
    "construction_funds_commitment": _construction_funds,
    "homestead_use_commitment": _homestead,
}


def letter(code: str, name: str, note: str | None, today: dt.date) -> Letter | None:
    """The letter of the catalog's material ``code`` named ``name``, or None if it is not a letter."""
    if not is_letter(name):
        return None
    own = _OWN_TEXT.get(code)
    if own is not None:
        return own(name, today)
    if "委托书" in name:
        return _attorney(name, today)
    return _general_commitment(name, note, today)


# ---------------------------------------------------------------------------------------------- PDF


def pdf(found: Letter, *, filled: bool) -> bytes:
    """The letter as an A4 PDF: blank, or the filled-in example watermarked 样表 on every page."""
    blocks = found.blocks(filled)
    mark = f"{found.title}（{WATERMARK}）" if filled else found.title
    text = [_ASCII, mark, WATERMARK, "　第页共", *(b.text for b in blocks), *(b.label for b in blocks)]
    with cjk_document(text, title=mark, author=PLATFORM) as page:
        flow = _Flow(page)
        for block in blocks:
            flow.draw(block)
        pages = page.doc.pages_count
        for n in range(1, pages + 1):
            page.doc.page = n
            page.doc.set_text_color(*_MUTED)
            page.centred(f"{mark}　第 {n} 页 共 {pages} 页", _CENTRE_X, _FOOTER_Y, 8.0, _FOOTER_W)
            if filled:
                _watermark(page, WATERMARK)
        return bytes(page.doc.output())


@lru_cache(maxsize=64)
def sample_pdf(code: str, name: str, note: str | None, filled: bool, today: dt.date) -> bytes | None:
    """:func:`pdf` of :func:`letter`, rendered once per process and day (a handful of letters, two forms
    each): the public downloads cost a dictionary look-up. No lock is held while rendering."""
    found = letter(code, name, note, today)
    return pdf(found, filled=filled) if found is not None else None
