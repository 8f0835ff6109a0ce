"""Reading a complaint: type, urgency, town and the department the rules give, with the reasons.

Shared by the consumer (routing a received complaint) and `POST /api/v1/classify` (operators typing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.routing.domain.classifier import (
    Classification,
    Urgency,
    assess_urgency,
    classify,
    resolve_town,
    town_in_text,
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

    def explanation(self) -> dict[str, Any]:
        rule = self.decision.rule
        return {
            "words": list(self.classification.words),
            "rule": rule.label if rule else None,
            "classifier": self.classification.explanation,
            "chosen_by_citizen": self.classification.chosen_by_citizen,
            "routing": self.decision.reason,
            "urgency": self.urgency.explanation,
            "urgent_words": list(self.urgency.words),
            "town_source": self.town_source,
        }


def analyse(uow: RoutingUnitOfWork, content: str, *, address: str | None = None, town: str | None = None,
            category: str | None = None, subcategory: str | None = None, urgent: bool = False,
            min_confidence: float) -> Analysis:
    text = "\n".join(part for part in (content, address) if part)
    towns = uow.towns.all() or dict(TOWNS)
    found, source = resolve_town(town, towns), "report"
    if found is None:
        found, source = town_in_text(text, towns.values()), "text"
    classification = classify(text, category=category, subcategory=subcategory)
    urgency = assess_urgency(text, flagged=urgent)
    decision = route(uow.rules.active(), category=classification.category, subcategory=classification.subcategory,
                     town=found, confidence=classification.confidence, min_confidence=min_confidence,
                     departments=uow.departments.active())
    return Analysis(classification, urgency, found, source if found else None, decision)
