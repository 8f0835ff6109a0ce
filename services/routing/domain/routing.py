"""Routing rules (分拨规则): which department leads on a type of complaint, in which kind of area.

Rules are data (editable at run time: rules.py). The most specific matching rule wins: a rule for one
named town (3) outweighs a subtype (2), which outweighs an area (1, streets or towns); the points add
up, and among equals the oldest rule (lowest id) wins:
noise/construction@taihe > noise@taihe > noise/construction@towns > noise/construction > noise@towns > noise.
A department of "town" means the street/town where the problem is (属地管理); "triage" means a
person routes it. Nothing uncertain is ever guessed: it goes to triage with the reason.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from shared.contracts.codes import TRIAGE, Town

TOWN = "town"  # the rule's department is the town government where the problem is (属地)
AREAS = {"streets": "street", "towns": "town"}  # rule area -> Town.kind


@dataclass(frozen=True)
class RoutingRule:
    id: int | None
    category: str
    department: str  # a department code, "town" (属地) or "triage"
    subcategory: str | None = None
    area: str | None = None  # None (anywhere), "streets" (街道) or "towns" (镇)
    active: bool = True
    note: str | None = None
    town: str | None = None  # one town's code: the rule applies there only (a local exception)

    def matches(self, category: str, subcategory: str | None, town: Town | None) -> bool:
        if not self.active or self.category != category:
            return False
        if self.subcategory is not None and self.subcategory != subcategory:
            return False
        if self.area is not None and (town is None or AREAS.get(self.area) != town.kind):
            return False
        if self.town is not None and (town is None or town.code != self.town):
            return False
        return True

    @property
    def specificity(self) -> int:
        return 3 * (self.town is not None) + 2 * (self.subcategory is not None) + (self.area is not None)

    @property
    def label(self) -> str:
        """How the rule is named in events and explanations: `#3 noise/social_life@towns -> town`."""
        where = f"@{self.town or self.area}" if (self.town or self.area) else ""
        return f"#{self.id} {self.category}/{self.subcategory or '*'}{where} -> {self.department}"


@dataclass(frozen=True)
class RouteDecision:
    department: str | None  # None: triage
    rule: RoutingRule | None
    reason: str

    @property
    def to_triage(self) -> bool:
        return self.department is None


def ranked_rules(rules: Iterable[RoutingRule], category: str, subcategory: str | None,
                 town: Town | None) -> list[RoutingRule]:
    """The rules that match, best first: most specific first; among equals the oldest rule (lowest id),
    so edits are predictable."""
    matching = [rule for rule in rules if rule.matches(category, subcategory, town)]
    return sorted(matching, key=lambda r: (-r.specificity, r.id or 0))


def best_rule(rules: Iterable[RoutingRule], category: str, subcategory: str | None,
              town: Town | None) -> RoutingRule | None:
    ranked = ranked_rules(rules, category, subcategory, town)
    return ranked[0] if ranked else None


def _destination(rule: RoutingRule, town: Town | None) -> str | None:
    """The department a rule names (the town's own for 属地), None for triage or an unknown town."""
    if rule.department == TRIAGE:
        return None
    if rule.department == TOWN:
        return town.department if town is not None else None
    return rule.department


def route(rules: Iterable[RoutingRule], *, category: str | None, subcategory: str | None, town: Town | None,
          confidence: float, min_confidence: float, departments: Iterable[str] | None = None,
          excluded: Collection[str] = ()) -> RouteDecision:
    """The department for a classified complaint, or triage with the reason why not.

    `excluded` are departments that returned the case (退单): the best rule that names another one wins."""
    if category is None:
        return RouteDecision(None, None, "未识别出问题类型，需人工分拨 / no type recognised")
    if confidence < min_confidence:
        return RouteDecision(None, None, f"分类置信度 {confidence:.2f} 低于 {min_confidence:.2f}，需人工分拨 / "
                                         "classification not confident enough")
    ranked = ranked_rules(rules, category, subcategory, town)
    if excluded:
        ranked = [r for r in ranked if _destination(r, town) not in excluded]
        if not ranked:
            return RouteDecision(None, None, f"退单部门（{'、'.join(excluded)}）之外没有适用的分拨规则，需人工分拨 / "
                                             "no rule names a department that has not returned it")
    rule = ranked[0] if ranked else None
    if rule is None:
        where = f"（{town.name}）" if town else "（地点不明 / no town known）"
        return RouteDecision(None, None, f"没有适用于 {category}/{subcategory or '*'}{where} 的分拨规则 / "
                                         "no routing rule matches")
    if rule.department == TRIAGE:
        return RouteDecision(None, rule, f"规则 {rule.label} 指定人工分拨 / the rule sends it to a person")
    department = _destination(rule, town)
    if department is None:
        return RouteDecision(None, rule, f"规则 {rule.label} 属地管理，但地点不明 / "
                                         "the rule needs the town, which is not known")
    if departments is not None and department not in set(departments):
        return RouteDecision(None, rule, f"规则 {rule.label} 指向的部门 {department} 未启用 / "
                                         "the rule's department is not active")
    return RouteDecision(department, rule, f"规则 {rule.label}")
