"""Reading a complaint: type, urgency, town and the department the rules give, with the reasons.

Shared by the consumer (routing a received complaint) and `POST /api/v1/classify` (operators typing).
A message that is not environmental (非生态环境问题) gets no department: it goes to triage with the
body it belongs to in the reason, for the supervisor who forwards or rejects it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.routing.domain.classifier import (
    Classification,
    Urgency,
    assess_urgency,
    classify,
    find_place,
    resolve_town,
    type_name,
)
from services.routing.domain.routing import RouteDecision, route
from services.routing.service_layer.uow import RoutingUnitOfWork
from shared.contracts.codes import TOWNS, Town


@dataclass(frozen=True)
class Analysis:
    classification: Classification
    urgency: Urgency
    town: Town | None
    town_source: str | None  # "report" (the code intake resolved) | "text" (named in the complaint)
    decision: RouteDecision
    town_reason: str | None = None  # how the town was found in the text (地名 / 地标)

    def summary(self) -> str:
        """One line for the dispatcher: what it is, where, how urgent, where it goes and why."""
        c = self.classification
        what = type_name(c.category, c.subcategory) if c.category else (
            f"非生态环境问题，建议转{c.suggested_body_name}" if c.out_of_scope else "类型不明")
        where = self.town.name if self.town else "地点不明"
        urgent = "紧急" if self.urgency.urgent else "一般"
        return f"{what}｜{where}｜{urgent}｜{self.decision.reason}"

    def view_fields(self) -> dict[str, Any]:
        """What `POST /api/v1/classify` adds to the type, town and department: the names, whether it is
        environmental at all, the suggested body, and the urgency's reason."""
        c = self.classification
        return {
            "type_name": type_name(c.category, c.subcategory) if c.category else None,
            "environmental": c.environmental,
            "suggested_body": c.suggested_body,
            "suggested_body_name": c.suggested_body_name,
            "urgency_reason": self.urgency.explanation,
            "summary": self.summary(),
        }

    def explanation(self) -> dict[str, Any]:
        rule = self.decision.rule
        c = self.classification
        return {
            "summary": self.summary(),
            "words": list(c.words),
            "rule": rule.label if rule else None,
            "classifier": c.explanation,
            "chosen_by_citizen": c.chosen_by_citizen,
            "environmental": c.environmental,
            "environmental_probability": c.environmental_probability,
            "suggested_body": c.suggested_body,
            "suggested_body_name": c.suggested_body_name,
            "features": list(c.features),
            "routing": self.decision.reason,
            "urgency": self.urgency.explanation,
            "urgent_words": list(self.urgency.words),
            "town_source": self.town_source,
            "town_reason": self.town_reason,
        }


def out_of_scope_decision(classification: Classification) -> RouteDecision:
    return RouteDecision(None, None, f"非生态环境问题，建议转{classification.suggested_body_name}，需人工分拨 / "
                                     "not an environmental matter: a person forwards or rejects it")


def analyse(uow: RoutingUnitOfWork, content: str, *, address: str | None = None, town: str | None = None,
            category: str | None = None, subcategory: str | None = None, urgent: bool = False,
            min_confidence: float) -> Analysis:
    text = "\n".join(part for part in (content, address) if part)
    towns = uow.towns.all() or dict(TOWNS)
    found = resolve_town(town, towns)
    source: str | None = "report"
    town_reason: str | None = None
    if found is None:
        place = find_place(text, towns.values())
        found, source = (place.town, "text") if place else (None, None)
        town_reason = place.explanation if place else None
    classification = classify(text, category=category, subcategory=subcategory)
    urgency = assess_urgency(text, flagged=urgent)
    if classification.out_of_scope and not classification.chosen_by_citizen:
        decision = out_of_scope_decision(classification)
    else:
        decision = route(uow.rules.active(), category=classification.category,
                         subcategory=classification.subcategory, town=found, confidence=classification.confidence,
                         min_confidence=min_confidence, departments=uow.departments.active())
    return Analysis(classification, urgency, found, source if found else None, decision, town_reason)
