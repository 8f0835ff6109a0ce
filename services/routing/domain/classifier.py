"""The complaint classifier (分类): weighted Chinese keywords per type and subtype, explained.

Deliberately simple and inspectable: an operator sees which words decided, and a supervisor can
tell why a case went to triage. Words of a subtype count for their category too, so
"工地…打桩…噪音" scores noise (噪音) and, within noise, construction (工地, 打桩).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shared.contracts.codes import CATEGORY_NAMES, SUBCATEGORIES, TOWNS, Town, find_town, is_known_type

# (category, subcategory or None for the category's own signal words) -> {word: weight}
KEYWORDS: dict[tuple[str, str | None], dict[str, int]] = {
    ("noise", None): {"噪音": 3, "噪声": 3, "吵": 2, "响": 1, "扰民": 2, "分贝": 2, "轰鸣": 2, "震耳": 2},
    ("noise", "construction"): {"打桩": 3, "施工": 2, "工地": 2, "搅拌": 2, "挖掘机": 2, "电钻": 1,
                                "切割": 1, "破碎锤": 2, "夜间施工": 2},
    ("noise", "social_life"): {"广场舞": 3, "ktv": 3, "音响": 3, "装修": 2, "喇叭": 2, "酒吧": 2,
                               "麻将": 2, "唱歌": 2, "叫卖": 2, "跳舞": 2, "商铺": 1, "邻居": 1},
    ("noise", "industrial"): {"工厂": 2, "机器": 2, "厂房": 1, "风机": 2, "冷却塔": 2, "生产线": 2},
    ("noise", "traffic"): {"鸣笛": 3, "炸街": 3, "货车": 2, "摩托": 2, "车辆": 1, "高速": 1, "火车": 2},
    ("odor", None): {"臭": 2, "异味": 3, "恶臭": 3, "气味": 2, "味道": 1, "熏": 2, "刺鼻": 2},
    ("odor", "industrial"): {"化工": 2, "工厂": 2, "厂里": 1, "橡胶": 2, "塑料": 1},
    ("odor", "cooking_fumes"): {"油烟": 4, "餐馆": 3, "饭店": 3, "餐饮": 3, "烧烤": 3, "火锅": 2,
                                "排烟": 2, "厨房": 2},
    ("odor", "livestock"): {"养猪": 4, "养殖": 3, "猪场": 4, "鸡场": 3, "牛棚": 2, "粪便": 2},
    ("odor", "garbage"): {"垃圾站": 3, "中转站": 3, "垃圾桶": 2, "垃圾": 1, "填埋": 2},
    ("air", None): {"废气": 3, "空气": 1, "粉尘": 2, "呛": 2, "雾霾": 2, "烟": 1},
    ("air", "industrial_emission"): {"烟囱": 3, "黑烟": 3, "锅炉": 2, "排放": 1, "工厂": 1},
    ("air", "dust"): {"扬尘": 4, "灰尘": 3, "粉尘": 1, "渣土车": 2, "工地": 1, "灰": 1},
    ("air", "open_burning"): {"焚烧": 4, "烧垃圾": 4, "烧秸秆": 4, "秸秆": 2, "露天烧": 3},
    ("air", "vehicle_exhaust"): {"尾气": 4, "机动车": 2},
    ("water", None): {"污水": 3, "废水": 3, "水质": 2, "水体": 2, "水面": 1, "河水": 2},
    ("water", "sewage_discharge"): {"排污": 4, "直排": 4, "偷排": 4, "排污口": 2, "管道": 1, "排放": 1},
    ("water", "black_odorous"): {"黑臭": 5, "发黑": 3, "水发臭": 3},
    ("water", "livestock"): {"养猪": 3, "养殖": 3, "猪场": 3, "猪粪": 3, "粪水": 3},
    ("water", "river"): {"河道": 2, "水库": 3, "死鱼": 3, "嘉陵江": 3, "涪江": 3, "渠江": 3, "河里": 2},
    ("water", "drinking_source"): {"饮用水": 4, "水源地": 4, "自来水": 3},
    ("waste", None): {"垃圾": 2, "固废": 3, "废物": 2, "倾倒": 2, "堆放": 2, "乱扔": 2},
    ("waste", "garbage"): {"生活垃圾": 4, "垃圾堆": 3},
    ("waste", "construction_waste"): {"建筑垃圾": 5, "渣土": 2, "废土": 2},
    ("waste", "hazardous"): {"危废": 5, "危险废物": 5, "废机油": 3, "废油": 3, "化学品": 2},
    ("waste", "medical"): {"医疗废物": 5, "针头": 3, "输液": 2, "诊所": 2},
    ("waste", "industrial_solid"): {"工业固废": 5, "废渣": 3, "炉渣": 3},
    ("radiation", None): {"辐射": 4, "电磁": 3},
    ("radiation", "base_station"): {"基站": 4, "信号塔": 4, "天线": 2},
    ("radiation", "electromagnetic"): {"高压线": 4, "变电站": 4, "输电": 3},
    ("radiation", "nuclear_tech"): {"放射源": 5, "放射性": 4, "探伤": 3},
    ("soil", None): {"土壤": 4, "农田污染": 4, "重金属": 3},
    ("ecology", None): {"生态": 2, "破坏": 1},
    ("ecology", "illegal_mining"): {"采砂": 4, "挖沙": 4, "采石": 3, "盗采": 4, "开矿": 3},
    ("ecology", "deforestation"): {"砍树": 4, "毁林": 5, "伐木": 4, "砍伐": 4},
    ("ecology", "wildlife"): {"野生动物": 4, "捕鸟": 4, "电鱼": 4, "捕猎": 3},
}

# Ongoing pollution: the reply is due in hours, not days (夜间施工, 黑烟, 焚烧, 正在排放 ...).
URGENT_WORDS: tuple[str, ...] = ("凌晨", "深夜", "半夜", "夜间施工", "正在", "此刻", "黑烟", "焚烧",
                                 "偷排", "死鱼")

# A score this high on its own is a confident call; below it confidence falls off linearly.
CONFIDENT_SCORE = 6


@dataclass(frozen=True)
class Classification:
    category: str | None
    subcategory: str | None
    confidence: float  # 0..1
    words: tuple[str, ...]  # the keywords that decided
    explanation: str  # the classifier's rule, in words
    chosen_by_citizen: bool = False


@dataclass(frozen=True)
class Urgency:
    urgent: bool
    words: tuple[str, ...]
    explanation: str


def _hits(text: str, words: dict[str, int]) -> list[tuple[str, int]]:
    return [(word, weight) for word, weight in words.items() if word in text]


def _type_name(category: str, subcategory: str | None) -> str:
    name = CATEGORY_NAMES.get(category, category)
    if subcategory:
        name += "/" + SUBCATEGORIES.get(category, {}).get(subcategory, subcategory)
    return name


def _best_subcategory(text: str, category: str) -> tuple[str | None, list[str]]:
    best: tuple[str | None, int, list[str]] = (None, 0, [])
    for (cat, sub), words in KEYWORDS.items():
        if cat != category or sub is None:
            continue
        hits = _hits(text, words)
        score = sum(w for _, w in hits)
        if score > best[1]:
            best = (sub, score, [word for word, _ in hits])
    return best[0], best[2]


def classify(text: str, *, category: str | None = None, subcategory: str | None = None) -> Classification:
    """The type of a complaint. A type the citizen chose is honoured; otherwise the keywords decide."""
    lowered = text.lower()
    if category and is_known_type(category, subcategory):
        if subcategory:
            return Classification(category, subcategory, 1.0, (), f"市民选择 / chosen by the citizen: "
                                  f"{_type_name(category, subcategory)}", chosen_by_citizen=True)
        sub, words = _best_subcategory(lowered, category)
        how = f"，细类按关键词 {'、'.join(words)} / subtype by keywords" if sub else ""
        return Classification(category, sub, 1.0, tuple(words),
                              f"市民选择 / chosen by the citizen: {_type_name(category, sub)}{how}",
                              chosen_by_citizen=True)

    scores: dict[str, int] = {}
    words_by_category: dict[str, list[str]] = {}
    for (cat, _sub), table in KEYWORDS.items():
        hits = _hits(lowered, table)
        if not hits:
            continue
        scores[cat] = scores.get(cat, 0) + sum(w for _, w in hits)
        seen = words_by_category.setdefault(cat, [])
        seen.extend([word for word, _ in hits if word not in seen])
    if not scores:
        return Classification(None, None, 0.0, (), "未识别出问题类型 / no complaint type recognised")
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    top_category, top = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    strength = min(1.0, top / CONFIDENT_SCORE)
    margin = (top - runner_up) / top
    # A tie between two types is never confident (at most 0.4): a person decides.
    confidence = round(strength * (0.4 + 0.6 * margin), 2)
    sub, _ = _best_subcategory(lowered, top_category)
    matched = tuple(words_by_category[top_category])
    explanation = (f"关键词 {'、'.join(matched)} → {_type_name(top_category, sub)}"
                   f"（得分 {top}" + (f"，次高 {ranked[1][0]} {runner_up}" if runner_up else "") + "）")
    return Classification(top_category, sub, confidence, matched, explanation)


def assess_urgency(text: str, *, flagged: bool = False) -> Urgency:
    """Urgent when the reporter says so or the text describes pollution going on now."""
    words = tuple(word for word in URGENT_WORDS if word in text)
    reasons = []
    if flagged:
        reasons.append("报告人标记为紧急 / flagged urgent by the reporter")
    if words:
        reasons.append(f"正在发生的污染 / ongoing pollution: {'、'.join(words)}")
    return Urgency(bool(reasons), words, "；".join(reasons) or "不紧急 / not urgent")


def town_in_text(text: str, towns: Iterable[Town] | None = None) -> Town | None:
    """The first street/town named in the text, by full name (合阳城街道) or short name (合阳城)."""
    candidates = list(towns) if towns is not None else list(TOWNS.values())
    names = [(t.name, t) for t in candidates]
    names += [(t.name.removesuffix("街道").removesuffix("镇"), t) for t in candidates]
    # The earliest mention wins; at the same place the longer name (合阳城街道 over 合阳城).
    found = [(text.find(name), -len(name), town) for name, town in names if len(name) >= 2 and name in text]
    return min(found, key=lambda item: (item[0], item[1]))[2] if found else None


def resolve_town(value: str | None, towns: dict[str, Town]) -> Town | None:
    """A town by the code intake resolved, else by a name as the citizen wrote it."""
    if not value:
        return None
    if value in towns:
        return towns[value]
    known = find_town(value)
    return towns.get(known.code, known) if known else None
