"""The rule book (分拨规则): every routing rule, changed by administrators at run time, with its history.

Pure Python. A change is checked (a known type and subtype, a known town or area, an active department
or 属地/人工), never removes a rule (a rule is switched off, so a case's recorded rule stays readable),
and is written down with who made it, when, why, and the rule before and after, under a revision one
higher than the last. `dry_run` replays past cases under proposed rules and says which would have gone
elsewhere, before anyone commits to the change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from services.routing.domain.errors import DuplicateRule, InvalidRequest, RuleNotFound
from services.routing.domain.routing import AREAS, TOWN, RoutingRule, best_rule
from shared.contracts.codes import TRIAGE, Town, is_known_type
from shared.domain import Aggregate

NOTE_MAX = 500


@dataclass(frozen=True)
class RuleChange:
    """One line of the audit (谁在何时改了什么): the rule as it was and as it became."""

    revision: int
    rule_id: int
    action: str  # created | changed | deactivated | reactivated
    before: dict[str, Any] | None
    after: dict[str, Any]
    by: str
    at: datetime
    reason: str | None = None


@dataclass(frozen=True)
class RuleSpec:
    """What an administrator asks for: a rule's key (type, subtype, where) and where it sends cases."""

    category: str
    department: str
    subcategory: str | None = None
    area: str | None = None
    town: str | None = None
    note: str | None = None


def rule_fields(rule: RoutingRule) -> dict[str, Any]:
    return {k: v for k, v in asdict(rule).items() if k != "id"}


class RuleBook(Aggregate):
    """All routing rules, active or not, and the changes made since they were loaded (to be written)."""

    def __init__(self, rules: Iterable[RoutingRule], revision: int) -> None:
        self._rules = {rule.id: rule for rule in rules if rule.id is not None}
        self.revision = revision
        self.new_rules: list[RoutingRule] = []  # created in this transaction (ids given by the database)
        self.changes: list[RuleChange] = []

    def __iter__(self) -> Iterator[RoutingRule]:
        return iter(sorted(self._rules.values(), key=lambda r: r.id or 0))

    def active(self) -> list[RoutingRule]:
        return [rule for rule in self if rule.active]

    def get(self, rule_id: int) -> RoutingRule:
        try:
            return self._rules[rule_id]
        except KeyError:
            raise RuleNotFound(f"没有这条规则 / no rule #{rule_id}") from None

    def define(self, spec: RuleSpec, *, by: str, at: datetime, reason: str | None, towns: Mapping[str, Town],
               departments: Iterable[str], next_id: int) -> RoutingRule:
        """A new rule (新增规则); one active rule per key (type, subtype, area, town)."""
        checked = check(spec, towns=towns, departments=departments)
        self._refuse_duplicate(checked, except_id=None)
        rule = RoutingRule(id=next_id, **checked)
        self._rules[next_id] = rule
        self.new_rules.append(rule)
        self._note(rule.id or next_id, "created", None, rule, by=by, at=at, reason=reason)
        return rule

    def change(self, rule_id: int, *, department: str | None = None, note: str | None = None,
               active: bool | None = None, by: str, at: datetime, reason: str | None,
               departments: Iterable[str]) -> RoutingRule:
        """Send a rule's cases elsewhere, rewrite its note, or switch it off or on again."""
        rule = self.get(rule_id)
        updated = rule
        if department is not None:
            updated = replace(updated, department=_department(department, departments))
        if note is not None:
            updated = replace(updated, note=_note_text(note))
        if active is not None:
            updated = replace(updated, active=active)
            if active and not rule.active:
                self._refuse_duplicate(rule_fields(updated), except_id=rule_id)
        if updated == rule:
            return rule
        action = "changed"
        if active is False and rule.active:
            action = "deactivated"
        elif active is True and not rule.active:
            action = "reactivated"
        self._rules[rule_id] = updated
        self._note(rule_id, action, rule, updated, by=by, at=at, reason=reason)
        return updated

    def proposed(self, specs: Sequence[RuleSpec], switch_off: Iterable[int], *, towns: Mapping[str, Town],
                 departments: Iterable[str]) -> list[RoutingRule]:
        """The active rules as they would be with `specs` added and `switch_off` switched off (a dry run's
        rules: checked as a real change would be, stored nowhere)."""
        off = set(switch_off)
        for rule_id in off:
            self.get(rule_id)
        rules = [rule for rule in self.active() if rule.id not in off]
        top = max(self._rules, default=0)
        for offset, spec in enumerate(specs, start=1):
            checked = check(spec, towns=towns, departments=departments)
            rules.append(RoutingRule(id=top + offset, **checked))
        return rules

    def _refuse_duplicate(self, fields: Mapping[str, Any], *, except_id: int | None) -> None:
        key = (fields["category"], fields["subcategory"], fields["area"], fields["town"])
        for rule in self.active():
            if rule.id != except_id and (rule.category, rule.subcategory, rule.area, rule.town) == key:
                raise DuplicateRule(f"已有同一条件的有效规则 {rule.label}，请修改它 / an active rule with the same "
                                    f"type and place exists: {rule.label}")

    def _note(self, rule_id: int, action: str, before: RoutingRule | None, after: RoutingRule, *, by: str,
              at: datetime, reason: str | None) -> None:
        self.revision += 1
        self.changes.append(RuleChange(self.revision, rule_id, action, rule_fields(before) if before else None,
                                       rule_fields(after), by, at, _note_text(reason) if reason else None))


def check(spec: RuleSpec, *, towns: Mapping[str, Town], departments: Iterable[str]) -> dict[str, Any]:
    """The rule's fields, checked; InvalidRequest says what is wrong."""
    if not is_known_type(spec.category, spec.subcategory):
        raise InvalidRequest(f"未知的问题类型 / unknown type: {spec.category}/{spec.subcategory or '*'}")
    if spec.area is not None and spec.area not in AREAS:
        raise InvalidRequest(f"区域只能是 {' 或 '.join(AREAS)} / area must be one of {', '.join(AREAS)}")
    if spec.town is not None and spec.town not in towns:
        raise InvalidRequest(f"没有这个镇街 / no such town: {spec.town}")
    if spec.town is not None and spec.area is not None:
        raise InvalidRequest("规则可以指定一个镇街或一类区域，不能同时指定 / a rule names a town or an area, not both")
    return {"category": spec.category, "subcategory": spec.subcategory, "area": spec.area, "town": spec.town,
            "department": _department(spec.department, departments), "active": True,
            "note": _note_text(spec.note) if spec.note else None}


def _department(department: str, departments: Iterable[str]) -> str:
    if department in (TOWN, TRIAGE) or department in set(departments):
        return department
    raise InvalidRequest(f"承办单位须为有效部门、town（属地）或 triage（人工分拨）/ the department must be an active "
                         f"department, town or triage: {department!r}")


def _note_text(text: str) -> str:
    text = text.strip()
    if len(text) > NOTE_MAX:
        raise InvalidRequest(f"说明不得超过 {NOTE_MAX} 字 / at most {NOTE_MAX} characters")
    return text


# --- the dry run ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PastCase:
    """What a dry run needs of a routed case: its type and place, and where it went."""

    complaint_id: str
    tracking_code: str
    category: str
    subcategory: str | None
    town: Town | None
    department: str | None  # where it is now (None: triage)


@dataclass(frozen=True)
class Moved:
    complaint_id: str
    tracking_code: str
    before: str | None  # the department the current rules give (None: triage)
    after: str | None  # the one the proposed rules would give
    rule_before: str | None
    rule_after: str | None


@dataclass
class DryRun:
    cases: int = 0
    moved: list[Moved] = field(default_factory=list)
    flows: Counter[tuple[str | None, str | None]] = field(default_factory=Counter)


def _destination(rules: Sequence[RoutingRule], case: PastCase) -> tuple[str | None, str | None]:
    rule = best_rule(rules, case.category, case.subcategory, case.town)
    if rule is None or rule.department == TRIAGE:
        return None, rule.label if rule else None
    if rule.department == TOWN:
        return (case.town.department if case.town else None), rule.label
    return rule.department, rule.label


def dry_run(cases: Iterable[PastCase], current: Sequence[RoutingRule], proposed: Sequence[RoutingRule]) -> DryRun:
    """Each case routed by the current rules and by the proposed ones: those that would go elsewhere."""
    result = DryRun()
    for case in cases:
        result.cases += 1
        before, rule_before = _destination(current, case)
        after, rule_after = _destination(proposed, case)
        if before != after:
            result.moved.append(Moved(case.complaint_id, case.tracking_code, before, after, rule_before, rule_after))
            result.flows[(before, after)] += 1
    return result
