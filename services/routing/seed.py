"""Seeding routing's reference data: departments, towns, routing rules and time limits.

Idempotent: inserts what is missing and never overwrites what an administrator has edited
(a rule switched off stays off; a changed time limit keeps its value). When it adds departments,
the directory is published (DepartmentsChangedV1) through the unit of work, like any other change.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from services.routing.adapters.tables import RoutingRuleRow, RoutingTimeLimit, RoutingTown
from services.routing.domain.departments import CODE, KINDS, Department
from services.routing.domain.routing import AREAS, TOWN
from services.routing.service_layer.uow import RoutingUnitOfWork
from shared.contracts.codes import TOWNS, TRIAGE, is_known_type

SEED_DATA = Path(__file__).parent / "seed_data.yaml"


def load_seed_data(path: Path = SEED_DATA) -> dict[str, list[dict[str, Any]]]:
    """The departments, rules and time limits of the seed file, checked so a typo fails at start-up,
    not on a case."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    departments, rules, limits = data.get("departments", []), data.get("rules", []), data.get("time_limits", [])
    for department in departments:
        if not CODE.match(department["code"]) or department.get("kind") not in KINDS or not department.get("name"):
            raise ValueError(f"seed department {department}: code [a-z0-9_]+, a name, kind {' or '.join(KINDS)}")
    codes = {d["code"] for d in departments}
    for rule in rules:
        if not is_known_type(rule["category"], rule.get("subcategory")):
            raise ValueError(f"seed rule {rule}: unknown type")
        if rule.get("area") not in (None, *AREAS):
            raise ValueError(f"seed rule {rule}: area must be one of {', '.join(AREAS)}")
        if rule["department"] not in (TOWN, TRIAGE, *codes):
            raise ValueError(f"seed rule {rule}: unknown department")
    for limit in limits:
        if limit.get("category") is not None and not is_known_type(limit["category"], None):
            raise ValueError(f"seed time limit {limit}: unknown category")
    return {"departments": departments, "rules": rules, "time_limits": limits}


def seed_reference_data(session: Session, data: dict[str, list[dict[str, Any]]]) -> int:
    """Add the missing towns, rules and limits to the session (no commit); returns how many were added."""
    added: list[Any] = []
    have = set(session.scalars(select(col(RoutingTown.code))))
    added += [RoutingTown(code=t.code, name=t.name, kind=t.kind) for t in TOWNS.values() if t.code not in have]
    rule_keys = {(r.category, r.subcategory, r.area, r.town) for r in session.scalars(select(RoutingRuleRow))}
    for rule in data["rules"]:
        key = (rule["category"], rule.get("subcategory"), rule.get("area"), None)
        if key not in rule_keys:
            rule_keys.add(key)
            added.append(RoutingRuleRow(category=key[0], subcategory=key[1], area=key[2],
                                        department=rule["department"], active=True, note=rule.get("note")))
    limit_keys = {(r.category, r.urgent) for r in session.scalars(select(RoutingTimeLimit))}
    for limit in data["time_limits"]:
        limit_key = (limit.get("category"), bool(limit["urgent"]))
        if limit_key not in limit_keys:
            limit_keys.add(limit_key)
            added.append(RoutingTimeLimit(category=limit_key[0], urgent=limit_key[1], assign_days=limit["assign_days"],
                                          accept_days=limit["accept_days"], return_days=limit["return_days"],
                                          reply_days=limit["reply_days"], reply_hours=limit.get("reply_hours"),
                                          contact_hours=limit.get("contact_hours"),
                                          onsite_days=limit.get("onsite_days")))
    session.add_all(added)
    return len(added)


def seed(uow_factory: Callable[[], RoutingUnitOfWork]) -> int:
    """Everything missing, in one transaction; returns how many rows were added."""
    data = load_seed_data()
    with uow_factory() as uow:
        directory = uow.departments.directory(for_update=True)
        added = directory.add_missing([Department(**d, active=True) for d in data["departments"]],
                                      at=uow.clock.now())
        count = len(added) + seed_reference_data(uow.session, data)
        uow.commit()
    return count
