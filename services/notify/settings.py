"""Settings of the notify service: the one place it reads the environment."""

from __future__ import annotations

from pydantic import Field

from shared.settings import CommonSettings


class NotifySettings(CommonSettings):
    # How often the SLA sweeper looks for deadlines that are near, due or missed.
    sla_sweep_interval_seconds: float = Field(default=60.0, gt=0)
    # Yellow warning (黄灯) once this share of the allowed time is used.
    yellow_ratio: float = Field(default=0.75, gt=0, lt=1)
    # Escalation (督办) once a deadline is missed by more than this; 0 = as soon as it is overdue.
    escalation_grace_seconds: float = Field(default=0.0, ge=0)
    # The district plan's targets (合川区生态环境保护"十四五"规划 6.4).
    target_assignment_rate: float = Field(default=1.0, ge=0, le=1)
    target_on_time_reply_rate: float = Field(default=1.0, ge=0, le=1)
    target_satisfaction_rate: float = Field(default=0.98, ge=0, le=1)
    # Messages the in-memory notifier keeps (the demo and tests read them; older ones are dropped).
    fake_notifier_keep: int = Field(default=1000, gt=0)
