"""Routing's settings: the one place this service reads the environment."""

from __future__ import annotations

from pydantic import Field

from shared.settings import CommonSettings


class RoutingSettings(CommonSettings):
    # Below this classifier confidence a person routes the case (triage), never a guessed department.
    routing_min_confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    # 延期: at most this many working days in total per case, asked before the reply deadline.
    routing_max_extension_days: int = Field(default=10, ge=1, le=60)
