"""Routing's settings: the one place this service reads the environment."""

from __future__ import annotations

from pydantic import Field

from shared.settings import CommonSettings


class RoutingSettings(CommonSettings):
    # Below this classifier confidence a person routes the case (triage), never a guessed department.
    routing_min_confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    # Where the fitted text model is kept between starts (adapters/model_cache.py): trained once, then
    # loaded. Empty: train at every start and keep nothing on disk.
    routing_model_cache_dir: str = "./var/model-cache"
    # Real citizen messages (`<label>\t<text>` a line, labels as the tipdm2020 board's) that also teach
    # the model's environmental/out-of-scope gate (text_model.py): fewer other matters reach a department.
    # Empty: the gate learns from routing's own corpus only.
    routing_real_messages_tsv: str = ""
    # 延期: at most this many working days in total per case, asked before the reply deadline.
    routing_max_extension_days: int = Field(default=10, ge=1, le=60)
    # 挂起 (domain/pauses.py): per reply round, at most this many suspensions and working days credited in all
    routing_max_suspensions: int = Field(default=2, ge=1, le=20)
    routing_max_suspension_days: int = Field(default=10, ge=1, le=60)
    # 并单: a new case of the same type within this many days, and (with coordinates) metres, of an open
    # case with similar text is suggested as its duplicate.
    routing_duplicate_days: int = Field(default=30, ge=1, le=365)
    routing_duplicate_radius_m: float = Field(default=300.0, ge=10.0, le=5000.0)
    # 协办: an assisting department answers the lead within this many working days (never after the lead's
    # own reply deadline).
    routing_assist_working_days: int = Field(default=3, ge=1, le=30)
    # 积案: an open case older than this many days (or past its deadline, or reopened twice) is long-standing.
    routing_backlog_days: int = Field(default=30, ge=1, le=365)
    # 信访件 (信访工作条例, 2022), in calendar days (日), the first day not counted: tell the petitioner in writing
    # whether the petition is accepted within ACCEPT_DAYS of receiving it; reply (处理意见书) within REPLY_DAYS of
    # accepting it, extended once by at most MAX_EXTENSION_DAYS; the petitioner may ask for a review (复查)
    # within REVIEW_REQUEST_DAYS of the reply, answered within REVIEW_DAYS; then for a re-review (复核) within
    # REREVIEW_REQUEST_DAYS of the review, answered within REREVIEW_DAYS. DUE_SOON_DAYS: "due soon" in the list.
    routing_petition_accept_days: int = Field(default=15, ge=1, le=365)
    routing_petition_reply_days: int = Field(default=60, ge=1, le=365)
    routing_petition_max_extension_days: int = Field(default=30, ge=1, le=365)
    routing_petition_review_request_days: int = Field(default=30, ge=1, le=365)
    routing_petition_review_days: int = Field(default=30, ge=1, le=365)
    routing_petition_rereview_request_days: int = Field(default=30, ge=1, le=365)
    routing_petition_rereview_days: int = Field(default=30, ge=1, le=365)
    routing_petition_due_soon_days: int = Field(default=3, ge=0, le=60)
    # 被举报企业 (docs/firms.md): a firm with FIRM_REPEAT_THRESHOLD or more cases received within FIRM_REPEAT_DAYS
    # days is 重复被举报 (the same settings, read by notify, raise it on the problem list).
    firm_repeat_threshold: int = Field(default=3, ge=2, le=1000)
    firm_repeat_days: int = Field(default=90, ge=7, le=3650)
