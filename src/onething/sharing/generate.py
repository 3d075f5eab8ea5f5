"""Synthetic population (人口库) and legal-person (法人库) rows for Hunan: pure, deterministic, fast.

``people()`` and ``enterprises()`` yield plain tuples in the column order of ``PERSON_COLUMNS`` and
``ENTERPRISE_COLUMNS``. Row ``i`` depends only on ``(set of regions, i, seed, today)``, never on ``start``
or ``count``: ``people(r, 10, start=5)`` is rows 5..14 of ``people(r, 15)``. Callers add more rows later
by passing ``start`` = the number of rows already generated. Generation costs a few microseconds a row
(``bench/bench_generate.py``); the first call per ``today`` builds lookup tables (~0.5 s).

Uniqueness of ID numbers. The identity of a row is a *slot* ``(region, residue, sequence)`` in a space
of ``regions × days × sequences``; its ID number is region code + birth date + 3-digit sequence + check
character. The birth date is the one day of a fixed-length window ending ``today`` whose ordinal is
congruent to ``residue`` modulo the window length, so distinct slots always give distinct ID numbers,
whatever ``today`` is. Row ``i`` examines the candidate indexes ``i*K .. i*K+K-1`` (disjoint between
rows); each goes through a multiplicative permutation of the slot space, then two keyed shifts (the
residue by a table indexed by the sequence, the region by a table indexed by the residue), each a
bijection; the first candidate whose age passes an age-pyramid acceptance test is taken (the last one
otherwise). Hence distinct row indexes never share a slot: ID numbers are unique over any set of
non-overlapping ranges, for any seeds and any ``today``, as long as the *set* of region codes is the
same (their order does not matter; adding or removing a region changes the mapping). ``capacity()``
tells how many rows the regions hold (about 7.9 million people per county).

Legal representatives live in a separate slot space: sequence numbers 900-999 (people use 000-899),
ages 22-75, enterprise index ``i`` -> one slot by the same kind of permutation. They therefore never
collide with anyone from ``people()`` and are distinct from each other (one representative per
enterprise); they are not rows of ``people()``.

Credit codes: the 8-character organisation-code body encodes a bijective scramble of the enterprise
index below 10**8 (8 digits before the 2015-10 reform, ``MA`` + 6 base-31 characters after), so credit
codes are unique across ranges too. Names, phones, addresses and company details come from the seed;
phones and addresses are drawn from pools and may repeat, as they do in real life.

Check characters (GB 11643 MOD 11-2, GB 32100 MOD 31) are table look-ups whose per-position weights
are read back from ``onething.kit.validators`` once, so the weights live in one place.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from math import gcd

from onething.kit.validators import credit_code_check_char, id_number_check_char, region_code

__all__ = [
    "ENTERPRISE_COLUMNS",
    "PERSON_COLUMNS",
    "EnterpriseRow",
    "PersonRow",
    "RegionSeed",
    "capacity",
    "enterprises",
    "people",
]


@dataclass(frozen=True, slots=True)
class RegionSeed:
    code: str  # 6-digit county-level GB/T 2260 code, e.g. "430104"
    address_prefix: str  # "湖南省长沙市岳麓区"


PERSON_COLUMNS = ("id_number", "name", "gender", "birth_date", "region_code", "address", "phone")
ENTERPRISE_COLUMNS = (
    "credit_code",
    "name",
    "type",
    "legal_rep_id_number",
    "legal_rep_name",
    "region_code",
    "address",
    "industry_code",
    "registered_capital",
    "founded_on",
    "staff_count",
    "status",
)

PersonRow = tuple[str, str, str, dt.date, str, str, str]
EnterpriseRow = tuple[str, str, str, str, str, str, str, str, Decimal, dt.date, int, str]

# --------------------------------------------------------------------------------------------------
# Check characters: per-position contributions read back from the validators.

_ID_ALPHABET = "10X98765432"  # GB 11643: check character for each weighted sum mod 11
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: 31 characters, no I O Z S V
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 organisation code, MOD 11


@lru_cache(maxsize=1)
def _id_weights() -> tuple[tuple[int, ...], ...]:
    """Contribution (mod 11) of digit d at position p of the first 17 characters."""
    return tuple(
        tuple(_ID_ALPHABET.index(id_number_check_char("0" * p + str(d) + "0" * (16 - p))) for d in range(10))
        for p in range(17)
    )


@lru_cache(maxsize=1)
def _credit_weights() -> tuple[tuple[int, ...], ...]:
    """Contribution (mod 31) of each of the 31 characters at position p of the first 17."""
    out = []
    for p in range(17):
        row = []
        for c in _CREDIT_ALPHABET:
            k = _CREDIT_ALPHABET.index(credit_code_check_char("0" * p + c + "0" * (16 - p)))
            row.append((31 - k) % 31)
        out.append(tuple(row))
    return tuple(out)


def _id_sum(text: str, pos: int) -> int:
    w = _id_weights()
    return sum(w[pos + k][int(c)] for k, c in enumerate(text)) % 11


def _credit_sum(text: str, pos: int) -> int:
    w = _credit_weights()
    return sum(w[pos + k][_CREDIT_ALPHABET.index(c)] for k, c in enumerate(text)) % 31


def _org_sum(text: str, pos: int) -> int:
    # GB 11714 character values: digits 0-9, letters A=10 .. Z=35.
    return sum(_ORG_WEIGHTS[pos + k] * (int(c) if c.isdigit() else ord(c) - 55) for k, c in enumerate(text))


def _org_check(total: int) -> str:
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


# --------------------------------------------------------------------------------------------------
# Data: names, places, enterprises. Written for this module; weights are rough impressions of Hunan.

_SURNAMES = (
    "刘60 李55 陈50 王45 张40 唐25 罗25 周25 彭24 谭22 黄22 曾20 邓20 胡20 杨20 肖18 蒋16 吴14 谢12 廖12 "
    "何12 龙10 朱10 贺9 易9 向8 文8 邹8 徐8 赵8 颜7 伍7 汤7 郭7 钟6 雷6 田6 石6 袁6 熊6 欧阳6 段5 姚5 宋5 "
    "夏5 孙5 邱5 许5 高5 林5 梁5 余5 戴5 马4 卢4 付4 方4 陶4 尹4 黎4 毛4 舒3 聂3 严3 左3 蔡3 丁3 魏3 冯3 "
    "韩3 苏3 万3 江3 董3 粟2 符2 晏2 欧2 宁2 于2 任2 白2 覃2 刘2 李2"
)

# Given names by birth era (<1960, 1960s-70s, 1980s-90s, 2000s on) and gender:
# (single-character names, first characters, second characters, share of single-character names).
_GIVEN: dict[tuple[int, str], tuple[str, str, str, float]] = {
    (0, "male"): (
        "明华林生贵福忠良清德",
        "建国德志福金长永树正光桂春运先世",
        "国华生明林山富贵成才清荣发和章安泉祥",
        0.25,
    ),
    (0, "female"): ("英兰珍秀芳梅凤", "秀桂玉淑凤翠冬春素金月", "英兰珍芳梅华莲娥香花仙", 0.25),
    (1, "male"): ("军勇斌刚强平伟兵毅辉", "建卫志海小立晓文新跃红", "军华强平东明兵峰勇波林辉民", 0.35),
    (1, "female"): ("红丽艳芳霞萍琴英燕", "红丽秀美春小晓海桂雪", "梅华芳燕霞玲娟萍英琴莉", 0.35),
    (2, "male"): ("伟磊涛鹏杰浩超亮斌勇俊帅", "志俊文晓家建振浩宇明嘉鹏", "伟杰强鹏涛辉东龙飞斌宇峰军波", 0.30),
    (2, "female"): ("婷静敏丹娟倩雪琳颖洁", "晓丽思佳雅慧婷雪玉美海", "婷燕娟丽玲敏静琴芳丹霞莉", 0.30),
    (3, "male"): ("昊轩睿宸浩哲航", "子梓浩宇俊博一皓嘉思泽天", "轩豪然航宇睿阳熙晨泽铭辰", 0.12),
    (3, "female"): ("萱涵琪悦瑶妍", "梓欣子诗雨思可语一佳紫若", "涵怡萱琪彤馨妍瑶琳桐诺悦", 0.12),
}
_NEUTRAL_SECONDS = "文平安宁晨阳乐清"  # a few names fit either gender
_DOUBLED = "婷丹琳静欣倩莉悦瑶佳"  # girls' names made of one character twice

# Relative population by age band of five years (0-4, 5-9, ..., 90-95): an ageing province.
_AGE_BANDS = (
    0.62,
    0.80,
    0.82,
    0.72,
    0.62,
    0.68,
    0.92,
    0.82,
    0.78,
    0.98,
    1.00,
    0.85,
    0.62,
    0.62,
    0.45,
    0.28,
    0.16,
    0.07,
    0.02,
)

# 64 entries, repeated by popularity: 13x/15x/17x/18x/19x mobile number blocks.
_PHONE_PREFIXES = (
    "138 138 138 138 139 139 139 139 135 135 135 137 137 137 136 136 134 134 150 151 151 152 157 158 158 159 "
    "159 187 187 188 182 183 184 178 177 173 176 180 181 189 189 185 186 186 130 131 132 132 133 153 155 156 "
    "175 198 199 199 191 193 195 172 139 138 152 188"
).split()

_ROADS = (
    "人民 解放 建设 中山 五一 芙蓉 韶山 劳动 东风 新华 长青 桂花 樟树 枫林 湘江 滨江 迎宾 光明 和平 胜利 团结 "
    "工农 文化 学院 书院 车站 环城 幸福 朝阳 育才 金星 银杏 紫薇 梅溪 莲花 荷花 湖滨 青年 建湘 雨花 麓山 岳华 "
    "体育 白沙 城南 城北 河西 沿江 爱民 先锋 向阳 兴业 振兴 晓园 金山 玉泉 龙泉 桐梓 杉木 杨柳 梓园"
).split()
_ROAD_SUFFIXES = (
    ("路", 40),
    ("大道", 8),
    ("街", 14),
    ("东路", 5),
    ("西路", 5),
    ("南路", 5),
    ("北路", 5),
    ("中路", 4),
    ("一路", 3),
    ("二路", 3),
    ("三路", 2),
    ("巷", 6),
)
_ESTATES = (
    "阳光 金色 锦绣 翠湖 书香 幸福 和谐 桂花 湘江 麓山 芙蓉 星城 御景 碧水 南湖 东方 盛世 紫荆 枫林 江南 "
    "海棠 新城 玉兰 丽景 名都 天骄 怡和 华府 春天 滨江 银河 学府 景园 荷塘 秀峰 梅岭 青园 福星"
).split()
_ESTATE_SUFFIXES = (
    ("小区", 30),
    ("花园", 15),
    ("家园", 12),
    ("新村", 8),
    ("苑", 8),
    ("雅苑", 5),
    ("华庭", 5),
    ("公寓", 5),
    ("名城", 3),
    ("佳园", 4),
    ("嘉园", 5),
)
_TOWNS = (
    "白沙 青山 龙潭 石门 黄土 枫树 金井 双江 大坪 新塘 荷塘 花桥 杨林 长乐 高桥 永安 太平 清水 龙泉 东山 "
    "石桥 柳塘 樟木 茶园 松柏 竹山 梅花 马田 金鸡 铁山 沙田 泉塘 洪山 古城 江口 官庄 大桥 和平"
).split()
_VILLAGES = (
    "石桥 杨柳 新屋 大塘 枫林 竹园 荷叶 高坪 长冲 黄泥 田心 塘湾 桥头 山口 松木 岭头 石塘 枣园 井冲 老屋 "
    "新田 白果 桃花 茶山 龙井 金鸡 水口 上湾 下湾 马鞍 双河 铁炉 泥湾 樟树 坪上 河边 柳林 牛角 梨树"
).split()
_BUILDINGS = ("大厦", "商务中心", "广场", "国际中心", "商业广场")
_TRADE_CHARS = (
    "鑫盛华泰隆兴源顺达恒丰瑞嘉福祥和佳美康宏宇博众诚信聚新金"
    "湘楚麓岳潇芙蓉星辰远航创合益德润昌荣发乐安通明辉永立正中天凯锦茂旺利"
)

_TYPES = ("有限责任公司", "股份有限公司", "个人独资企业", "合伙企业", "个体工商户", "农民专业合作社")
_LLC, _JSC, _SOLE, _PARTNER, _INDIVIDUAL, _COOP = range(6)
_TYPE_WEIGHTS = (330, 9, 35, 15, 600, 35)  # per 1024: 个体工商户 and 有限责任公司 dominate
_TYPE_CODE_PREFIX = ("91", "91", "91", "91", "92", "93")  # GB 32100: 9 = market regulation; 1/2/3 category


@dataclass(frozen=True, slots=True)
class _Industry:
    code: str  # GB/T 4754-2017 class, section letter + 4 digits
    words: tuple[str, ...]  # industry words in company names
    shops: tuple[str, ...]  # shop names for 个体工商户 and 个人独资企业
    coop: str  # 农民专业合作社 name ending
    weights: tuple[int, int, int, int, int, int]  # by type, in _TYPES order


_INDUSTRIES = (
    _Industry(
        "A0141", ("农业发展", "农业科技"), ("蔬菜种植基地", "家庭农场"), "蔬菜种植专业合作社", (2, 0, 3, 0, 3, 30)
    ),
    _Industry("A0153", ("果业", "农业开发"), ("柑橘种植园", "家庭农场"), "柑橘种植专业合作社", (1, 0, 2, 0, 2, 20)),
    _Industry("A0164", ("茶业",), ("茶场", "茶叶种植基地"), "茶叶专业合作社", (1, 1, 2, 0, 1, 15)),
    _Industry("A0313", ("牧业", "生态养殖"), ("养殖场", "生猪养殖场"), "生猪养殖专业合作社", (2, 1, 4, 0, 4, 20)),
    _Industry("A0412", ("水产养殖",), ("渔场", "水产养殖场"), "水产养殖专业合作社", (1, 0, 2, 0, 2, 15)),
    _Industry("C1431", ("食品",), ("米粉厂", "米粉加工坊"), "", (3, 1, 2, 0, 6, 0)),
    _Industry("C1392", ("食品", "豆制品"), ("豆制品加工坊", "豆腐坊"), "", (2, 0, 1, 0, 5, 0)),
    _Industry("E4710", ("建设工程", "建筑工程"), (), "", (6, 2, 0, 0, 0, 0)),
    _Industry("E5012", ("装饰工程", "装饰设计工程"), ("装饰部", "装饰工作室"), "", (8, 0, 3, 1, 8, 0)),
    _Industry("F5123", ("农产品贸易", "果蔬贸易"), ("果蔬批发部", "蔬菜批发行"), "", (3, 0, 3, 1, 8, 0)),
    _Industry("F5165", ("建材",), ("建材经营部", "建材商行"), "", (6, 0, 4, 1, 10, 0)),
    _Industry("F5212", ("商贸", "超市"), ("超市", "生活超市"), "", (4, 1, 3, 0, 12, 0)),
    _Industry("F5213", ("便利店", "商业连锁"), ("便利店", "便民店"), "", (3, 0, 3, 0, 30, 0)),
    _Industry("F5223", ("果业", "生鲜"), ("水果店", "果蔬店"), "", (1, 0, 1, 0, 20, 0)),
    _Industry("F5232", ("服饰",), ("服装店", "服饰店"), "", (4, 0, 2, 0, 30, 0)),
    _Industry("F5251", ("大药房", "医药"), ("大药房", "药店"), "", (4, 1, 1, 0, 6, 0)),
    _Industry("F5274", ("通讯器材", "通信设备"), ("手机店", "通讯店"), "", (2, 0, 1, 0, 12, 0)),
    _Industry("F5292", ("电子商务",), ("网店", "电子商务商行"), "", (6, 0, 2, 1, 18, 0)),
    _Industry("G5431", ("物流", "运输"), ("货运部", "运输部"), "", (6, 1, 2, 0, 10, 0)),
    _Industry("H6210", ("餐饮管理", "餐饮"), ("餐馆", "饭店", "酒家", "土菜馆"), "", (6, 0, 3, 0, 40, 0)),
    _Industry("H6220", ("餐饮", "餐饮管理"), ("快餐店", "快餐厅"), "", (3, 0, 1, 0, 15, 0)),
    _Industry("H6231", ("茶文化",), ("茶馆", "茶楼"), "", (1, 0, 1, 0, 6, 0)),
    _Industry("H6291", ("餐饮",), ("米粉店", "粉面馆", "小吃店"), "", (2, 0, 1, 0, 35, 0)),
    _Industry("I6513", ("软件", "网络科技", "信息科技"), (), "", (8, 3, 1, 1, 0, 0)),
    _Industry("I6531", ("信息技术", "智能科技"), (), "", (5, 2, 0, 0, 0, 0)),
    _Industry("K7020", ("物业管理", "物业服务"), (), "", (5, 1, 0, 0, 0, 0)),
    _Industry("K7030", ("房地产经纪", "房产中介"), ("房产中介", "房屋中介服务部"), "", (4, 0, 1, 0, 4, 0)),
    _Industry("L7212", ("投资管理", "资产管理"), (), "", (4, 1, 0, 8, 0, 0)),
    _Industry("L7243", ("企业管理咨询", "信息咨询"), ("信息咨询服务部",), "", (10, 0, 4, 6, 2, 0)),
    _Industry("L7259", ("文化传媒", "广告"), ("广告部", "图文广告店"), "", (6, 0, 2, 1, 10, 0)),
    _Industry("O8010", ("家政服务",), ("家政服务部",), "", (3, 0, 1, 0, 6, 0)),
    _Industry("O8040", ("美容美发", "美业"), ("理发店", "美发店", "美容院"), "", (3, 0, 2, 0, 30, 0)),
    _Industry("O8111", ("汽车服务", "汽车维修"), ("汽车修理厂", "汽修店"), "", (4, 0, 1, 0, 15, 0)),
    _Industry("P8393", ("艺术培训", "文化艺术"), (), "", (4, 0, 0, 1, 0, 0)),
)

# Registered capital in 万元 by type: (value, weight).
_CAPITAL: tuple[tuple[tuple[str, int], ...], ...] = (
    tuple(
        zip(
            "1 3 5 10 20 30 50 100 168 200 300 500 888 1000 2000 3000 5000 10000".split(),
            (3, 4, 8, 16, 6, 7, 12, 14, 2, 8, 6, 6, 1, 5, 2, 1, 1, 1),
            strict=True,
        )
    ),
    tuple(
        zip("500 1000 2000 3000 5000 6000 8000 10000 20000 50000".split(), (3, 6, 4, 4, 6, 2, 2, 4, 2, 1), strict=True)
    ),
    tuple(zip("1 2 3 5 10 20 30 50 100".split(), (4, 3, 4, 6, 8, 4, 3, 3, 1), strict=True)),
    tuple(zip("10 50 100 300 500 1000 3000 5000 10000".split(), (2, 3, 5, 3, 4, 4, 2, 2, 1), strict=True)),
    tuple(zip("0 0.5 1 2 3 5 10 20 50".split(), (26, 3, 8, 6, 6, 8, 6, 2, 1), strict=True)),
    tuple(zip("5 10 20 50 100 200 300 500 1000".split(), (3, 6, 5, 6, 5, 3, 2, 2, 1), strict=True)),
)
# Staff count by type: (smallest, typical upper end, exponent: larger = more skewed to small).
_STAFF = ((1, 120, 2.6), (20, 1500, 2.0), (1, 20, 2.2), (1, 25, 2.4), (1, 8, 2.5), (5, 60, 1.8))
_STATUS = (("存续", 57), ("注销", 5), ("吊销", 2))  # per 64
_MA_START = dt.date(2015, 10, 1).toordinal()  # unified codes issued since; new bodies start "MA"
_FOUNDED_FROM = dt.date(1991, 1, 1)
# Earliest founding date by type: the laws on partnerships (1997), sole proprietorships (2000) and
# farmers' cooperatives (2007) created those forms.
_TYPE_FROM = tuple(
    dt.date(*ymd).toordinal()
    for ymd in ((1991, 1, 1), (1991, 1, 1), (2000, 1, 1), (1997, 8, 1), (1991, 1, 1), (2007, 7, 1))
)

# --------------------------------------------------------------------------------------------------
# Pools: flat lists indexed by random bits, built once (they do not depend on the seed).


def _weighted(items: Sequence[tuple[str, int]], size: int) -> list[str]:
    """Exactly ``size`` entries in proportion to the weights (largest remainder), interleaved."""
    total = sum(w for _, w in items)
    counts = [w * size // total for _, w in items]
    rest = sorted(range(len(items)), key=lambda k: -(items[k][1] * size % total))
    for k in rest[: size - sum(counts)]:
        counts[k] += 1
    out = [v for (v, _), n in zip(items, counts, strict=True) for _ in range(n)]
    random.Random(size).shuffle(out)
    return out


def _weighted_ints(weights: Sequence[int], size: int) -> list[int]:
    return [int(v) for v in _weighted([(str(k), w) for k, w in enumerate(weights)], size)]


@dataclass(frozen=True, slots=True)
class _Pools:
    surnames: list[str]  # 1024
    given: list[list[str]]  # [era * 2 + (1 if male else 0)] -> 4096
    phones: list[str]  # 16384 first 7 digits of mobile numbers
    four_digits: list[str]  # 16384, "0000".."9999" repeated
    home_tails: list[str]  # 8192 street parts of home addresses
    business_tails: list[str]  # 8192 street parts of business addresses
    rural_tails: list[str]  # 8192 village addresses
    trades: list[str]  # 8192 trade names of 2-3 characters
    types: list[int]  # 1024
    industries: list[list[int]]  # by type -> 1024 indexes into _INDUSTRIES
    suffixes: list[list[tuple[str, str, str, str]]]  # [type][industry] -> 4 name endings
    capital: list[list[Decimal]]  # by type -> 64
    staff: list[list[int]]  # by type -> 256
    status: list[str]  # 64


def _given_pool(rng: random.Random, era: int, gender: str) -> list[str]:
    singles, firsts, seconds, single_share = _GIVEN[(era, gender)]
    seconds += _NEUTRAL_SECONDS[: len(_NEUTRAL_SECONDS) // 2]
    out = []
    for _ in range(4096):
        if rng.random() < single_share:
            out.append(rng.choice(singles))
        else:
            if gender == "female" and era >= 2 and rng.random() < 0.05:
                out.append(rng.choice(_DOUBLED) * 2)  # 婷婷, 丹丹
            else:
                out.append(rng.choice(firsts) + rng.choice(seconds))
    return out


def _house_number(rng: random.Random, top: int) -> int:
    return 1 + int((top - 1) * rng.random() ** 2)


def _road(rng: random.Random, suffixes: list[str]) -> str:
    return rng.choice(_ROADS) + rng.choice(suffixes)


def _home_tail(rng: random.Random, road_suffixes: list[str], estate_suffixes: list[str]) -> str:
    street = f"{_road(rng, road_suffixes)}{_house_number(rng, 600)}号"
    if rng.random() < 0.45:
        return street
    floor = 1 + int(32 * rng.random() ** 1.3)
    room = f"{floor}{rng.randint(1, 4):02d}"
    estate = rng.choice(_ESTATES) + rng.choice(estate_suffixes)
    return f"{street}{estate}{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{room}室"


def _business_tail(rng: random.Random, road_suffixes: list[str]) -> str:
    street = f"{_road(rng, road_suffixes)}{_house_number(rng, 800)}号"
    u = rng.random()
    if u < 0.45:
        return street
    if u < 0.70:
        return f"{street}{rng.choice(_ESTATES)}{rng.choice(_BUILDINGS)}{rng.randint(2, 28)}楼"
    if u < 0.85:
        return f"{street}{rng.randint(1, 30)}号门面"
    room = f"{rng.randint(1, 26)}{rng.randint(1, 20):02d}"
    return f"{street}{rng.choice(_ESTATES)}{rng.choice(_BUILDINGS)}{rng.randint(1, 9)}栋{room}室"


def _rural_tail(rng: random.Random) -> str:
    town = rng.choice(_TOWNS) + ("镇" if rng.random() < 0.75 else "乡")
    return f"{town}{rng.choice(_VILLAGES)}村{rng.randint(1, 15)}组{_house_number(rng, 120)}号"


def _trade(rng: random.Random) -> str:
    a, b, c = rng.sample(_TRADE_CHARS, 3)
    return a + b + c if rng.random() < 0.25 else a + b


def _suffixes(kind: int, ind: _Industry) -> tuple[str, str, str, str]:
    w = ind.words
    if kind == _LLC:
        ends = [w[k % len(w)] + "有限公司" for k in range(3)] + [w[0] + "有限责任公司"]
    elif kind == _JSC:
        ends = [w[k % len(w)] + "股份有限公司" for k in range(4)]
    elif kind == _SOLE:
        ends = [ind.shops[k % len(ind.shops)] for k in range(3)] if ind.shops else [w[0] + "中心"] * 3
        ends.append(w[0] + "经营部")
    elif kind == _PARTNER:
        ends = [
            w[0] + "中心（有限合伙）",
            w[-1] + "合伙企业（有限合伙）",
            w[0] + "中心（普通合伙）",
            w[0] + "合伙企业（有限合伙）",
        ]
    elif kind == _INDIVIDUAL:
        ends = [ind.shops[k % len(ind.shops)] if ind.shops else "" for k in range(4)]
    else:
        ends = [ind.coop] * 4
    return ends[0], ends[1], ends[2], ends[3]


def _staff_pool(rng: random.Random, low: int, high: int, skew: float) -> list[int]:
    return [low + int((high - low) * rng.random() ** skew) for _ in range(256)]


@lru_cache(maxsize=1)
def _pools() -> _Pools:
    rng = random.Random("onething.sharing.generate")
    surnames = _weighted(_parse_weights(_SURNAMES), 1024)
    given = [_given_pool(rng, era, g) for era in range(4) for g in ("female", "male")]
    road_suffixes = _weighted(_ROAD_SUFFIXES, 100)
    estate_suffixes = _weighted(_ESTATE_SUFFIXES, 100)
    home = [
        _home_tail(rng, road_suffixes, estate_suffixes) if rng.random() < 0.68 else _rural_tail(rng)
        for _ in range(8192)
    ]
    business = [_business_tail(rng, road_suffixes) for _ in range(8192)]
    rural = [_rural_tail(rng) for _ in range(8192)]
    industries = []
    suffixes = []
    for kind in range(6):
        industries.append(_weighted_ints([ind.weights[kind] for ind in _INDUSTRIES], 1024))
        suffixes.append([_suffixes(kind, ind) for ind in _INDUSTRIES])
        assert all(all(suffixes[kind][k]) for k in set(industries[kind])), _TYPES[kind]
    return _Pools(
        surnames=surnames,
        given=given,
        phones=[rng.choice(_PHONE_PREFIXES) + f"{rng.randrange(10000):04d}" for _ in range(16384)],
        four_digits=[f"{k % 10000:04d}" for k in range(16384)],
        home_tails=home,
        business_tails=business,
        rural_tails=rural,
        trades=[_trade(rng) for _ in range(8192)],
        types=_weighted_ints(_TYPE_WEIGHTS, 1024),
        industries=industries,
        suffixes=suffixes,
        capital=[[Decimal(v) for v in _weighted(items, 64)] for items in _CAPITAL],
        staff=[_staff_pool(rng, *params) for params in _STAFF],
        status=_weighted(_STATUS, 64),
    )


def _parse_weights(text: str) -> list[tuple[str, int]]:
    out: dict[str, int] = {}
    for item in text.split():
        name = item.rstrip("0123456789")
        out[name] = out.get(name, 0) + int(item[len(name) :])
    return list(out.items())


# --------------------------------------------------------------------------------------------------
# Identity slot spaces and their tables (per set of regions and per `today`).


@dataclass(frozen=True, slots=True)
class _Space:
    name: str
    seq_base: int  # first 3-digit sequence number (even, so parity = gender)
    seq_count: int
    days: int  # length of the birth-date window
    youngest: int  # days between `today` and the latest birth date of the window
    tries: int  # candidate slots per row (age-pyramid shaping by rejection)


_PEOPLE = _Space("people", 0, 900, 35_040, 0, 4)  # ages 0-95
_REPS = _Space("reps", 900, 100, 19_710, 8_036, 1)  # ages 22-75, uniform


@dataclass(frozen=True, slots=True)
class _Ids:
    nreg: int
    days: int
    size: int  # nreg * days * seq_count
    mult: int  # permutation multiplier, coprime with size
    offset: int
    codes: list[str]
    region_sums: list[int]  # ID-number check contribution of the region code, mod 11
    prefixes: list[str]  # address prefixes
    cities: list[str]  # address prefix without the province, for enterprise names
    residue_shift: list[int]  # by sequence index: added to the residue (mod days)
    region_shift: list[int]  # by residue: added to the region index (mod nreg)
    # By residue (birth ordinal mod days):
    dates: list[dt.date]
    date_strs: list[str]
    date_sums: list[int]
    name_pool: list[int]  # era * 2
    accept: list[int]  # 0..64: accepted when 6 random bits are below
    adult: list[int]  # ordinal of the 18th birthday (or later)
    tails: list[str]  # [seq * 22 + region_sum + date_sum] -> sequence digits + check character


def _multiplier(m: int) -> int:
    a = int(m * 0.6180339887498949) | 1
    while gcd(a, m) != 1:
        a += 2
    return a % m


def _age_weight(age: int) -> float:
    return _AGE_BANDS[min(age // 5, len(_AGE_BANDS) - 1)]


def _era(year: int) -> int:
    return 0 if year < 1960 else 1 if year < 1980 else 2 if year < 2000 else 3


@lru_cache(maxsize=8)
def _ids(regions: tuple[RegionSeed, ...], today: dt.date, space: _Space) -> _Ids:
    nreg, days, nseq = len(regions), space.days, space.seq_count
    size = nreg * days * nseq
    rng = random.Random(f"{space.name}:{nreg}")  # keyed shifts depend on the space and region count only
    t = today.toordinal()
    latest = t - space.youngest
    first = dt.date.fromordinal(latest - days + 1)
    dates = [first] * days
    date_strs = [""] * days
    date_sums = [0] * days
    name_pool = [0] * days
    accept = [64] * days
    adult = [0] * days
    year_sums: dict[int, int] = {}
    md_sums: dict[tuple[int, int], int] = {}
    day = first
    one = dt.timedelta(days=1)
    for o in range(latest - days + 1, latest + 1):
        k = o % days
        y, m, d = day.year, day.month, day.day
        if y not in year_sums:
            year_sums[y] = _id_sum(f"{y:04d}", 6)
        if (m, d) not in md_sums:
            md_sums[m, d] = _id_sum(f"{m:02d}{d:02d}", 10)
        dates[k] = day
        date_strs[k] = f"{y:04d}{m:02d}{d:02d}"
        date_sums[k] = (year_sums[y] + md_sums[m, d]) % 11
        name_pool[k] = _era(y) * 2
        if space.tries > 1:
            accept[k] = round(64 * _age_weight((t - o) * 4 // 1461))
        adult[k] = o + 6575  # 18 years hold at most 5 leap days
        day += one
    tails: list[str] = []
    for s in range(nseq):
        digits = f"{space.seq_base + s:03d}"
        own = _id_sum(digits, 14)
        tails.extend(digits + _ID_ALPHABET[(k + own) % 11] for k in range(22))
    return _Ids(
        nreg=nreg,
        days=days,
        size=size,
        mult=_multiplier(size),
        offset=size // 3,
        codes=[r.code for r in regions],
        region_sums=[_id_sum(r.code, 0) for r in regions],
        prefixes=[r.address_prefix for r in regions],
        cities=[r.address_prefix.split("省", 1)[-1] for r in regions],
        residue_shift=[rng.randrange(days) for _ in range(nseq)],
        region_shift=[rng.randrange(nreg) for _ in range(days)],
        dates=dates,
        date_strs=date_strs,
        date_sums=date_sums,
        name_pool=name_pool,
        accept=accept,
        adult=adult,
        tails=tails,
    )


def _regions(regions: Sequence[RegionSeed]) -> tuple[RegionSeed, ...]:
    if not regions:
        raise ValueError("at least one region is needed")
    ordered = tuple(sorted(regions, key=lambda r: r.code))
    for r in ordered:
        region_code(r.code)
        if len(r.code) != 6 or not r.address_prefix:
            raise ValueError(f"bad region seed {r!r}")
    if len({r.code for r in ordered}) != len(ordered):
        raise ValueError("region codes must be distinct")
    return ordered


def _check_range(count: int, start: int) -> None:
    if count < 0 or start < 0:
        raise ValueError("count and start must not be negative")


def capacity(regions: Sequence[RegionSeed]) -> tuple[int, int]:
    """How many people and how many enterprises these regions can hold (rows ``0 .. n-1``)."""
    n = len(_regions(regions))
    people_max = n * _PEOPLE.days * _PEOPLE.seq_count // _PEOPLE.tries
    return people_max, min(n * _REPS.days * _REPS.seq_count, _BODIES)


def _rng(seed: int, stream: int, chunk: int) -> random.Random:
    return random.Random(((seed & 0xFFFF_FFFF_FFFF_FFFF) << 72) | (stream << 64) | chunk)


_CHUNK_BITS = 12  # rows share one random.Random per chunk of 4096; row i's bits depend on i only
_GENDERS = ("female", "male")


# --------------------------------------------------------------------------------------------------
# People.


def people(
    regions: Sequence[RegionSeed], count: int, *, seed: int = 0, start: int = 0, today: dt.date | None = None
) -> Iterator[PersonRow]:
    """Rows ``start .. start+count-1`` of the population library, in ``PERSON_COLUMNS`` order."""
    regs = _regions(regions)
    _check_range(count, start)
    day = today or dt.date.today()
    if day.toordinal() - _PEOPLE.days < dt.date(1900, 1, 1).toordinal():
        raise ValueError("today is too early: birth dates would fall before 1900")
    ids = _ids(regs, day, _PEOPLE)
    if (start + count) * _PEOPLE.tries > ids.size:
        raise ValueError(f"{len(regs)} regions hold at most {ids.size // _PEOPLE.tries} people")
    return _people(ids, _pools(), seed, start, start + count)


def _people(ids: _Ids, pools: _Pools, seed: int, start: int, stop: int) -> Iterator[PersonRow]:
    # Hot loop: everything is bound to locals, random draws are 30-bit (one-digit) ints.
    nreg, days, size, mult = ids.nreg, ids.days, ids.size, ids.mult
    stride = mult * _PEOPLE.tries % size
    last_try = _PEOPLE.tries - 1
    codes, region_sums, prefixes = ids.codes, ids.region_sums, ids.prefixes
    residue_shift, region_shift = ids.residue_shift, ids.region_shift
    dates, date_strs, date_sums, name_pool, accept, tails = (
        ids.dates,
        ids.date_strs,
        ids.date_sums,
        ids.name_pool,
        ids.accept,
        ids.tails,
    )
    surnames, given, phones, four, home = pools.surnames, pools.given, pools.phones, pools.four_digits, pools.home_tails
    genders = _GENDERS
    i = start
    while i < stop:
        chunk = i >> _CHUNK_BITS
        bits = _rng(seed, 1, chunk).getrandbits
        for _ in range(3 * (i - (chunk << _CHUNK_BITS))):
            bits(30)
        end = min(stop, (chunk + 1) << _CHUNK_BITS)
        # First candidate slot of row j: (j * K * mult + offset) mod size, advanced by `stride` per row.
        base = ((i - 1) * stride + ids.offset) % size
        for _ in range(i, end):
            r1 = bits(30)  # 3 x 6 bits for the age test, 12 bits given name
            r2 = bits(30)  # 10 bits surname, 13 bits address
            r3 = bits(30)  # 14 + 14 bits phone
            base += stride
            if base >= size:
                base -= size
            x = base
            q = x // nreg
            s = q // days
            res = q - s * days + residue_shift[s]  # keyed shift of the residue by the sequence: bijective
            if res >= days:
                res -= days
            if r1 & 63 >= accept[res]:  # rejected by the age pyramid: next candidate slot of this row
                k = 1
                while True:
                    x += mult
                    if x >= size:
                        x -= size
                    q = x // nreg
                    s = q // days
                    res = q - s * days + residue_shift[s]
                    if res >= days:
                        res -= days
                    if k == last_try or (r1 >> (6 * k)) & 63 < accept[res]:
                        break
                    k += 1
            reg = x - q * nreg + region_shift[res]  # keyed shift of the region by the residue: bijective
            if reg >= nreg:
                reg -= nreg
            male = s & 1
            code = codes[reg]
            yield (
                code + date_strs[res] + tails[s * 22 + region_sums[reg] + date_sums[res]],
                surnames[r2 & 1023] + given[name_pool[res] + male][r1 >> 18],
                genders[male],
                dates[res],
                code,
                prefixes[reg] + home[r2 >> 10 & 8191],
                phones[r3 & 16383] + four[r3 >> 14 & 16383],
            )
        i = end


# --------------------------------------------------------------------------------------------------
# Enterprises.

_BODIES = 100_000_000  # organisation-code bodies: enterprise indexes 0 .. 10**8-1
_B31_3 = 31**3


@dataclass(frozen=True, slots=True)
class _Bodies:
    mult: int
    offset: int
    mix: list[int]  # 10000 random values for the two-round scramble of the index halves
    four: list[str]  # "0000".."9999"
    four_org: tuple[list[int], list[int]]  # GB 11714 partial sums of 4 digits at positions 0-3 / 4-7
    four_credit: tuple[list[int], list[int]]  # GB 32100 partial sums at positions 8-11 / 12-15
    ma_high: list[str]  # "MA" + 3 base-31 characters, by p // 31**3
    ma_high_org: list[int]
    ma_high_credit: list[int]
    b31: list[str]  # 3 base-31 characters, by p % 31**3
    b31_org: list[int]
    b31_credit: list[int]
    org_check: list[str]  # by organisation sum mod 11
    org_check_credit: list[int]  # credit contribution of that check character at position 16
    credit_check: list[str]  # by credit sum mod 31
    type_sums: list[int]  # credit contribution of the 2-character prefix by type


@lru_cache(maxsize=1)
def _bodies() -> _Bodies:
    rng = random.Random("onething.sharing.generate:bodies")
    four = [f"{k:04d}" for k in range(10000)]
    alphabet = _CREDIT_ALPHABET
    b31 = [alphabet[k // 961] + alphabet[k // 31 % 31] + alphabet[k % 31] for k in range(_B31_3)]
    ma_high = ["MA" + b31[k] for k in range(_BODIES // _B31_3 + 1)]
    org_check = [_org_check(k) for k in range(11)]
    return _Bodies(
        mult=_multiplier(_BODIES),
        offset=_BODIES // 7,
        mix=[rng.randrange(10000) for _ in range(10000)],
        four=four,
        four_org=([_org_sum(f, 0) for f in four], [_org_sum(f, 4) for f in four]),
        four_credit=([_credit_sum(f, 8) for f in four], [_credit_sum(f, 12) for f in four]),
        ma_high=ma_high,
        ma_high_org=[_org_sum(h, 0) for h in ma_high],
        ma_high_credit=[_credit_sum(h, 8) for h in ma_high],
        b31=b31,
        b31_org=[_org_sum(b, 5) for b in b31],
        b31_credit=[_credit_sum(b, 13) for b in b31],
        org_check=org_check,
        org_check_credit=[_credit_sum(c, 16) for c in org_check],
        credit_check=[alphabet[(31 - k) % 31] for k in range(31)],
        type_sums=[_credit_sum(p, 0) for p in _TYPE_CODE_PREFIX],
    )


@dataclass(frozen=True, slots=True)
class _Founding:
    today: int
    first: int  # ordinal of _FOUNDED_FROM
    dates: list[dt.date]  # by ordinal - first
    pool: list[int]  # 8192 ordinals, more recent years more likely


@lru_cache(maxsize=4)
def _founding(today: dt.date) -> _Founding:
    rng = random.Random(f"founding:{today.isoformat()}")
    first, last = _FOUNDED_FROM.toordinal(), today.toordinal()
    years = range(_FOUNDED_FROM.year, today.year + 1)
    weights = [(y - _FOUNDED_FROM.year + 2) ** 2 for y in years]
    pool = []
    for y in rng.choices(years, weights, k=8192):
        lo = max(first, dt.date(y, 1, 1).toordinal())
        hi = min(last, dt.date(y, 12, 31).toordinal())
        pool.append(rng.randint(lo, hi))
    return _Founding(last, first, [dt.date.fromordinal(o) for o in range(first, last + 1)], pool)


def enterprises(
    regions: Sequence[RegionSeed], count: int, *, seed: int = 0, start: int = 0, today: dt.date | None = None
) -> Iterator[EnterpriseRow]:
    """Rows ``start .. start+count-1`` of the legal-person library, in ``ENTERPRISE_COLUMNS`` order.

    The legal representative of enterprise ``i`` is a person of their own slot space (sequence numbers
    900-999, ages 22-75): never equal to anyone from ``people()`` and one per enterprise.
    """
    regs = _regions(regions)
    _check_range(count, start)
    day = today or dt.date.today()
    if day < dt.date(2008, 1, 1):
        raise ValueError("today is too early for these legal forms")
    reps = _ids(regs, day, _REPS)
    if start + count > min(reps.size, _BODIES):
        raise ValueError(f"{len(regs)} regions hold at most {min(reps.size, _BODIES)} enterprises")
    return _enterprises(reps, _bodies(), _founding(day), _pools(), seed, start, start + count)


def _enterprises(
    reps: _Ids, b: _Bodies, f: _Founding, pools: _Pools, seed: int, start: int, stop: int
) -> Iterator[EnterpriseRow]:
    nreg, days, size, mult, offset = reps.nreg, reps.days, reps.size, reps.mult, reps.offset
    codes, region_sums, prefixes, cities = reps.codes, reps.region_sums, reps.prefixes, reps.cities
    residue_shift, region_shift = reps.residue_shift, reps.region_shift
    date_strs, date_sums, name_pool, adult, tails = (
        reps.date_strs,
        reps.date_sums,
        reps.name_pool,
        reps.adult,
        reps.tails,
    )
    body_mult, body_offset, mix, four = b.mult, b.offset, b.mix, b.four
    org_hi, org_lo = b.four_org
    cr_hi, cr_lo = b.four_credit
    ma_high, ma_high_org, ma_high_credit, b31, b31_org, b31_credit = (
        b.ma_high,
        b.ma_high_org,
        b.ma_high_credit,
        b.b31,
        b.b31_org,
        b.b31_credit,
    )
    org_check, org_check_credit, credit_check, type_sums = b.org_check, b.org_check_credit, b.credit_check, b.type_sums
    today, first, founded_dates, founded_pool = f.today, f.first, f.dates, f.pool
    recent = today - 365
    surnames, given, trades = pools.surnames, pools.given, pools.trades
    type_pool, industry_pools, suffixes = pools.types, pools.industries, pools.suffixes
    capital, staff, status = pools.capital, pools.staff, pools.status
    business, rural = pools.business_tails, pools.rural_tails
    region_sums_31 = [_credit_sum(c, 2) for c in codes]
    industries = [ind.code for ind in _INDUSTRIES]
    farming = [ind.code.startswith("A") for ind in _INDUSTRIES]
    type_names, type_prefixes, type_from = _TYPES, _TYPE_CODE_PREFIX, _TYPE_FROM
    i = start
    while i < stop:
        chunk = i >> _CHUNK_BITS
        bits = _rng(seed, 2, chunk).getrandbits
        for _ in range(5 * (i - (chunk << _CHUNK_BITS))):
            bits(30)
        end = min(stop, (chunk + 1) << _CHUNK_BITS)
        rep_base = ((i - 1) * mult + offset) % size
        body_base = ((i - 1) * body_mult + body_offset) % _BODIES
        for _ in range(i, end):
            r1 = bits(30)  # 10 bits type, 10 bits industry, 10 bits surname
            r2 = bits(30)  # 12 bits given name, 13 bits founding date, 2 bits name ending
            r3 = bits(30)  # 10 bits founding delay, 13 bits trade name, 6 bits status
            r4 = bits(30)  # 13 bits address, 15 bits region
            r5 = bits(30)  # 6 bits capital, 8 bits staff, 4 bits "X记"
            kind = type_pool[r1 & 1023]
            ind = industry_pools[kind][(r1 >> 10) & 1023]
            # The legal representative: slot j of the representatives' space (permuted, keyed shifts).
            rep_base += mult
            if rep_base >= size:
                rep_base -= size
            q = rep_base // nreg
            s = q // days
            res = q - s * days + residue_shift[s]
            if res >= days:
                res -= days
            rreg = rep_base - q * nreg + region_shift[res]
            if rreg >= nreg:
                rreg -= nreg
            rep_id = codes[rreg] + date_strs[res] + tails[s * 22 + region_sums[rreg] + date_sums[res]]
            surname = surnames[r1 >> 20]
            rep_name = surname + given[name_pool[res] + (s & 1)][r2 & 4095]
            # Founded once the legal form existed and the representative came of age, never in the future.
            founded = founded_pool[(r2 >> 12) & 8191]
            if founded < type_from[kind]:
                founded = type_from[kind] + (founded - first) % (today + 1 - type_from[kind])
            if founded < adult[res]:
                founded = adult[res] + (r3 & 1023)
                if founded > today:
                    founded = today
            # Organisation-code body: index j permuted below 10**8, then a two-round keyed mix of its halves.
            body_base += body_mult
            if body_base >= _BODIES:
                body_base -= _BODIES
            hi = body_base // 10000
            lo = body_base - hi * 10000 + mix[hi]
            if lo >= 10000:
                lo -= 10000
            hi += mix[lo]
            if hi >= 10000:
                hi -= 10000
            if founded >= _MA_START:
                p = hi * 10000 + lo
                h3 = p // _B31_3
                l3 = p - h3 * _B31_3
                body = ma_high[h3] + b31[l3]
                oc = (ma_high_org[h3] + b31_org[l3]) % 11
                csum = ma_high_credit[h3] + b31_credit[l3]
            else:
                body = four[hi] + four[lo]
                oc = (org_hi[hi] + org_lo[lo]) % 11
                csum = cr_hi[hi] + cr_lo[lo]
            reg = (r4 >> 15) % nreg
            code = codes[reg]
            credit = (
                type_prefixes[kind]
                + code
                + body
                + org_check[oc]
                + credit_check[(type_sums[kind] + region_sums_31[reg] + csum + org_check_credit[oc]) % 31]
            )
            trade = trades[(r3 >> 10) & 8191]
            if kind == _INDIVIDUAL and r5 >> 14 & 15 == 0:
                trade = surname + "记"
            yield (
                credit,
                cities[reg] + trade + suffixes[kind][ind][r2 >> 25 & 3],
                type_names[kind],
                rep_id,
                rep_name,
                code,
                prefixes[reg] + (rural if farming[ind] else business)[r4 & 8191],
                industries[ind],
                capital[kind][r5 & 63],
                founded_dates[founded - first],
                staff[kind][(r5 >> 6) & 255],
                status[r3 >> 23 & 63] if founded < recent else "存续",
            )
        i = end
