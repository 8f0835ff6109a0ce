"""Routing's rule-book handlers (registered in handlers.py's tables): list, define, change, audit, dry run."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from services.routing.domain.commands import ChangeRule, DefineRule, DryRunRules, ListRules, RuleHistory
from services.routing.domain.errors import InvalidRequest
from services.routing.domain.routing import RoutingRule
from services.routing.domain.rules import PastCase, dry_run
from services.routing.service_layer.uow import RoutingUnitOfWork

MAX_DRY_RUN_DAYS = 366
SHOWN_MOVES = 200


def rule_view(rule: RoutingRule) -> dict[str, Any]:
    return {**asdict(rule), "label": rule.label, "specificity": rule.specificity}


def list_rules(query: ListRules, uow: RoutingUnitOfWork) -> dict[str, Any]:
    book = uow.rule_book.book()
    rules = list(book) if query.include_inactive else book.active()
    return {"revision": book.revision, "rules": [rule_view(r) for r in rules]}


def define_rule(command: DefineRule, uow: RoutingUnitOfWork) -> dict[str, Any]:
    book = uow.rule_book.book(for_update=True)
    rule = book.define(command.spec, by=command.actor, at=uow.clock.now(), reason=command.reason,
                       towns=uow.towns.all(), departments=_active_departments(uow), next_id=uow.rule_book.next_id())
    uow.commit()
    return {"revision": book.revision, "rule": rule_view(rule)}


def change_rule(command: ChangeRule, uow: RoutingUnitOfWork) -> dict[str, Any]:
    book = uow.rule_book.book(for_update=True)
    rule = book.change(command.rule_id, department=command.department, note=command.note, active=command.active,
                       by=command.actor, at=uow.clock.now(), reason=command.reason,
                       departments=_active_departments(uow))
    uow.commit()
    return {"revision": book.revision, "rule": rule_view(rule)}


def rule_history(query: RuleHistory, uow: RoutingUnitOfWork) -> dict[str, Any]:
    if not 1 <= query.limit <= 1000:
        raise InvalidRequest("limit 须在 1 到 1000 之间 / limit must be 1 to 1000")
    return {"changes": [asdict(change) for change in uow.rule_book.history(rule_id=query.rule_id,
                                                                              limit=query.limit)]}


def dry_run_rules(query: DryRunRules, uow: RoutingUnitOfWork) -> dict[str, Any]:
    if not 1 <= query.days <= MAX_DRY_RUN_DAYS:
        raise InvalidRequest(f"days 须在 1 到 {MAX_DRY_RUN_DAYS} 之间 / days must be 1 to {MAX_DRY_RUN_DAYS}")
    book = uow.rule_book.book()
    towns = uow.towns.all()
    proposed = book.proposed(query.add, query.switch_off, towns=towns, departments=_active_departments(uow))
    since = uow.clock.now() - timedelta(days=query.days)
    cases = [PastCase(cid, code, category, subcategory, towns.get(town) if town else None, department)
             for cid, code, category, subcategory, town, department in uow.cases.typed_since(since)]
    result = dry_run(cases, book.active(), proposed)
    existing = {rule.id for rule in book}
    return {
        "days": query.days, "since": since.isoformat(), "cases": result.cases, "moved": len(result.moved),
        "flows": [{"from": before, "to": after, "cases": count}
                  for (before, after), count in result.flows.most_common()],
        "moved_cases": [asdict(m) for m in result.moved[:SHOWN_MOVES]],
        "proposed_rules": [rule_view(r) for r in proposed if r.id not in existing],
    }


def _active_departments(uow: RoutingUnitOfWork) -> list[str]:
    return [d.code for d in uow.departments.directory() if d.active]
