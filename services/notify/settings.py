"""Settings of the notify service: the one place it reads the environment."""

from __future__ import annotations

from pydantic import Field, HttpUrl, SecretStr, model_validator

from services.notify.domain.assessment import DEFAULT_WEIGHTS, AssessmentPolicy
from services.notify.domain.incidents import parse_phones
from shared.settings import CommonSettings


class NotifySettings(CommonSettings):
    # How often the SLA sweeper looks for deadlines that are near, due or missed.
    sla_sweep_interval_seconds: float = Field(default=60.0, gt=0)
    # One replica sweeps at a time: it holds a lease it renews on each sweep; when it dies, another
    # takes over once this has passed without a renewal (at least two sweep intervals).
    sla_sweep_lease_seconds: float = Field(default=180.0, gt=0)
    # Yellow warning (黄灯) once this share of the allowed time is used.
    yellow_ratio: float = Field(default=0.75, gt=0, lt=1)
    # Escalation (督办) once a deadline is missed by more than this; 0 = as soon as it is overdue.
    escalation_grace_seconds: float = Field(default=0.0, ge=0)
    # 阶段性进展 (docs/metrics.md 督办 clocks): a case its department has held this many working days without
    # replying needs a progress note every PROGRESS_EVERY_WORKING_DAYS (0: no such clock).
    progress_after_working_days: int = Field(default=5, ge=0, le=365)
    progress_every_working_days: int = Field(default=5, ge=1, le=365)
    # The district plan's targets (合川区生态环境保护"十四五"规划 6.4).
    target_assignment_rate: float = Field(default=1.0, ge=0, le=1)
    target_on_time_reply_rate: float = Field(default=1.0, ge=0, le=1)
    target_satisfaction_rate: float = Field(default=0.98, ge=0, le=1)
    # Group robots (企业微信/钉钉群机器人) that get departments' and supervisors' messages (new case,
    # warnings, escalations), as JSON: {"ecology_env": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?
    # key=...", "supervisors": "..."}; a group with no webhook gets nothing (its messages are kept, dead).
    # Unset: messages are kept, not sent (`complaints outbound list --service notify`).
    robot_webhooks: dict[str, HttpUrl] = Field(default_factory=dict)
    # DingTalk robots with the signature security setting (加签) per group, as JSON {"supervisors": "SEC..."}:
    # their requests carry `timestamp` and `sign` (docs/notifications.md). A group must have a webhook.
    robot_secrets: dict[str, SecretStr] = Field(default_factory=dict)
    # 突发环境事件 (docs/incidents.md): the duty roster's mobile numbers, comma separated, SMS'd at once on an
    # incident (any hour), and the SMS gateway they go through (the same contract and variables as intake's;
    # unset: kept, not sent).
    notify_duty_officer_phones: str = ""
    sms_gateway_url: str | None = None
    sms_gateway_secret: SecretStr | None = None

    # Satisfaction callbacks (抽查回访): the share of replies drawn (per department in CALLBACK_SHARES,
    # JSON {"ecology_env": 0.5}), the seed that makes the draw reproducible (an audit redoes it), how
    # many working days after the reply a callback is due, and how many unanswered calls make the
    # citizen unreachable. Every department has at least one callback a week; every reply rated
    # unsatisfied online is called back.
    callback_share: float = Field(default=0.3, ge=0, le=1)
    callback_shares: dict[str, float] = Field(default_factory=dict)
    callback_seed: str = Field(default="hechuan", min_length=1, max_length=100)
    callback_due_working_days: int = Field(default=3, ge=1, le=30)
    callback_max_attempts: int = Field(default=3, ge=1, le=10)
    # The problem list (问题清单): N+ cases of one town and type (or of night noise in one town) within
    # the window flag a hotspot; a type rises when its last 7 days hold N+ cases and this many times the
    # weekly average of the 4 weeks before.
    hotspot_min_cases: int = Field(default=3, ge=2, le=1000)
    hotspot_window_days: int = Field(default=30, ge=7, le=365)
    hotspot_rising_factor: float = Field(default=2.0, ge=1, le=100)
    hotspot_radius_m: float = Field(default=500.0, ge=50, le=5000)  # the nearby rule: cases within this radius
    # 被举报企业 (docs/firms.md): a firm with FIRM_REPEAT_THRESHOLD+ linked cases received within FIRM_REPEAT_DAYS
    # days is on the problem list (kind "firm"); routing reads the same settings for the firm's page.
    firm_repeat_threshold: int = Field(default=3, ge=2, le=1000)
    firm_repeat_days: int = Field(default=90, ge=7, le=3650)
    # 考核: the indicators' weights as JSON {"signing": 15, "reply": 30, "returns": 10, "reopenings": 15,
    # "satisfaction": 30, "resolution": 10, "knowledge": 5} (any subset; the rest keep their default), the
    # assignments a unit needs in the period to be ranked, and how many units the red and black lists (红黑榜)
    # name per kind.
    assessment_weights: dict[str, float] = Field(default_factory=dict)
    assessment_min_cases: int = Field(default=3, ge=1, le=10_000)
    assessment_list_size: int = Field(default=3, ge=1, le=20)

    @model_validator(mode="after")
    def _lease_outlives_a_sweep(self) -> NotifySettings:
        if self.sla_sweep_lease_seconds < 2 * self.sla_sweep_interval_seconds:
            raise ValueError("SLA_SWEEP_LEASE_SECONDS must be at least twice SLA_SWEEP_INTERVAL_SECONDS, or the "
                             "sweeping replica loses its lease between two sweeps")
        try:
            parse_phones(self.notify_duty_officer_phones)
        except ValueError as exc:
            raise ValueError(f"NOTIFY_DUTY_OFFICER_PHONES: {exc}") from None
        if self.sms_gateway_url and not self.sms_gateway_secret:
            raise ValueError("SMS_GATEWAY_URL needs SMS_GATEWAY_SECRET (the messages are signed with it)")
        if unknown := sorted(set(self.robot_secrets) - set(self.robot_webhooks)):
            raise ValueError(f"ROBOT_SECRETS names groups without a webhook in ROBOT_WEBHOOKS: {unknown}")
        if any(not secret.get_secret_value().strip() for secret in self.robot_secrets.values()):
            raise ValueError("ROBOT_SECRETS: a robot's secret must not be empty")
        try:  # says which indicator is unknown, or that no weight is left
            AssessmentPolicy(weights={**DEFAULT_WEIGHTS, **self.assessment_weights})
        except ValueError as exc:
            raise ValueError(f"ASSESSMENT_WEIGHTS: {exc}") from None
        return self
