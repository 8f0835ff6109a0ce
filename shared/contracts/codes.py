"""Small value types every service may use: department, town and category codes.

Codes are ASCII because they end up in Kafka topic names (letters, digits, '.', '_', '-').
The Chinese names are the reference facts of Hechuan District (合川区).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class Town:
    code: str
    name: str
    kind: str  # "street" (街道, urban core) or "town" (镇)

    @property
    def department(self) -> str:
        """Each street/town government is also a handling unit (属地管理)."""
        return f"town_{self.code}"


_STREETS = {
    "heyangcheng": "合阳城街道", "diaoyucheng": "钓鱼城街道", "nanjinjie": "南津街街道", "yanjing": "盐井街道",
    "caojie": "草街街道", "yunmen": "云门街道", "dashi": "大石街道",
}
_TOWNS = {
    "taihe": "太和镇", "shayu": "沙鱼镇", "guandu": "官渡镇", "laitan": "涞滩镇", "xiaojia": "肖家镇",
    "gulou": "古楼镇", "sanmiao": "三庙镇", "erlang": "二郎镇", "longfeng": "龙凤镇", "longxing": "隆兴镇",
    "tongxi": "铜溪镇", "shuangfeng": "双凤镇", "shitan": "狮滩镇", "qingping": "清平镇", "tuchang": "土场镇",
    "xiaomian": "小沔镇", "sanhui": "三汇镇", "xianglong": "香龙镇", "qiantang": "钱塘镇", "longshi": "龙市镇",
    "yanwo": "燕窝镇", "weituo": "渭沱镇", "shuanghuai": "双槐镇",
}

TOWNS: dict[str, Town] = {
    **{code: Town(code, name, "street") for code, name in _STREETS.items()},
    **{code: Town(code, name, "town") for code, name in _TOWNS.items()},
}
TOWNS_BY_NAME: dict[str, Town] = {t.name: t for t in TOWNS.values()}


def find_town(value: str | None) -> Town | None:
    """A town by code (`taihe`) or by its Chinese name, with or without the suffix (`太和镇`, `太和`)."""
    if not value:
        return None
    value = value.strip()
    if value in TOWNS:
        return TOWNS[value]
    if value in TOWNS_BY_NAME:
        return TOWNS_BY_NAME[value]
    for town in TOWNS.values():
        short = town.name.removesuffix("街道").removesuffix("镇")
        if value == short:
            return town
    return None


# District departments (区级部门) that handle environmental complaints.
DISTRICT_DEPARTMENTS: dict[str, str] = {
    "ecology_env": "区生态环境局",
    "housing_construction": "区住房城乡建委",
    "urban_management": "区城市管理局",
    "public_security": "区公安局",
    "transport": "区交通局",
    "water_resources": "区水利局",
    "agriculture_rural": "区农业农村委",
    "planning_natural_resources": "区规划自然资源局",
    "forestry": "区林业局",
    "health": "区卫生健康委",
}

# Every handling unit: 10 district departments and 30 street/town governments.
DEPARTMENTS: dict[str, str] = {
    **DISTRICT_DEPARTMENTS,
    **{town.department: f"{town.name}人民政府" if town.kind == "town" else f"{town.name}办事处"
       for town in TOWNS.values()},
}

TRIAGE = "triage"  # not a department: a person routes the case (人工分拨)


class Category(StrEnum):
    noise = "noise"
    odor = "odor"
    air = "air"
    water = "water"
    waste = "waste"
    radiation = "radiation"
    soil = "soil"
    ecology = "ecology"
    other = "other"


CATEGORY_NAMES: dict[str, str] = {
    "noise": "噪声", "odor": "异味恶臭", "air": "大气", "water": "水", "waste": "固体废物",
    "radiation": "辐射", "soil": "土壤", "ecology": "生态破坏", "other": "其他",
}

SUBCATEGORIES: dict[str, dict[str, str]] = {
    "noise": {"construction": "建筑施工噪声", "social_life": "社会生活噪声", "industrial": "工业噪声",
              "traffic": "交通运输噪声"},
    "odor": {"industrial": "工业恶臭", "cooking_fumes": "餐饮油烟", "livestock": "养殖臭味", "garbage": "垃圾臭味"},
    "air": {"industrial_emission": "工业废气", "dust": "扬尘", "open_burning": "露天焚烧",
            "vehicle_exhaust": "机动车尾气"},
    "water": {"sewage_discharge": "污水直排", "black_odorous": "黑臭水体", "livestock": "畜禽养殖污水",
              "river": "河流水库污染", "drinking_source": "饮用水源"},
    "waste": {"garbage": "生活垃圾", "construction_waste": "建筑垃圾", "hazardous": "危险废物",
              "medical": "医疗废物", "industrial_solid": "工业固废"},
    "radiation": {"base_station": "通信基站", "electromagnetic": "输变电电磁", "nuclear_tech": "放射源"},
    "soil": {},
    "ecology": {"illegal_mining": "非法采矿采砂", "deforestation": "毁林", "wildlife": "野生动物"},
    "other": {},
}


def is_known_type(category: str | None, subcategory: str | None) -> bool:
    if category is None:
        return subcategory is None
    if category not in SUBCATEGORIES:
        return False
    return subcategory is None or subcategory in SUBCATEGORIES[category]


class Channel(StrEnum):
    web = "web"
    app = "app"
    hotline = "hotline"
    wechat = "wechat"
    open311 = "open311"
    grid = "grid"  # 网格巡查: a grid worker's patrol finding (staff, signed in)
    upstream = "upstream"  # 上级平台转办: a case the city's 12345 or the national platform transferred


class Rating(StrEnum):
    satisfied = "satisfied"  # 满意
    basically_satisfied = "basically_satisfied"  # 基本满意
    unsatisfied = "unsatisfied"  # 不满意


class Resolution(StrEnum):
    """Whether the problem was solved (解决情况), asked with every rating (the resolution rate, docs/metrics.md)."""

    resolved = "resolved"  # 解决
    partly_resolved = "partly_resolved"  # 部分解决
    unresolved = "unresolved"  # 未解决


RESOLUTION_LABELS = {"resolved": "解决", "partly_resolved": "部分解决", "unresolved": "未解决"}


class Role(StrEnum):
    citizen = "citizen"
    operator = "operator"
    dispatcher = "dispatcher"
    supervisor = "supervisor"
    admin = "admin"
    grid_worker = "grid_worker"  # 网格员: reports patrol findings in their own town
