"""突发环境事件 (sudden environmental incidents, docs/incidents.md): a chemical leak, a river turning colour, fish
dying en masse, a fire with smoke from a plant, a tanker spill. Such a complaint cannot wait for the working-day
clocks: the duty officer (值班人员) is alerted at once and someone must respond within 2 hours.

- Recognition (`assess_incident`): the words of `lexicon/incidents.yaml` (data), weighted; a clause that says the
  thing is over or in the past (the `cancel` words of terms.yaml, as for urgency) counts for nothing. Enough
  weight flags the case as 疑似突发环境事件 with the words found as its explanation.
- People: a hotline operator, a supervisor or the case's department dispatcher declares one (宣布突发, with a
  reason); the dispatcher or a supervisor clears a false alarm (解除, with a reason) and records referrals to
  110 / 119 / 120 / another body.

The Case aggregate (case.py) holds the state (`incident`, `incident_since`) and calls the functions below, which
check, change it, write the audit trail and record the events. Referrals live in the audit trail
(action `incident_referral`): the case's history is their one record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from services.routing.domain.errors import IllegalTransition
from services.routing.domain.lexicon import LEXICON_DIR, load_lexicon, normalise
from shared.contracts.events import CaseIncidentClearedV1, CaseIncidentDeclaredV1, IncidentReferralRecordedV1

if TYPE_CHECKING:
    from services.routing.domain.case import Case

INCIDENT_TERMS = LEXICON_DIR / "incidents.yaml"
FIRST_RESPONSE = timedelta(hours=2)  # wall-clock hours: incidents do not wait for Monday
WARNING_AFTER = timedelta(hours=1, minutes=30)
REFERRAL_ACTION = "incident_referral"
_CLAUSES = re.compile(r"[，。！？；,.!?;\n]+")
_FUTURE_SLACK = timedelta(minutes=5)  # a referral's call time may be a few minutes ahead of our clock


class IncidentState(StrEnum):
    suspected = "suspected"  # 疑似突发环境事件: flagged by the lexicon
    declared = "declared"  # 突发环境事件: declared (or confirmed) by a person
    cleared = "cleared"  # 已解除: a false alarm


ACTIVE = (IncidentState.suspected, IncidentState.declared)
_ACTIVE_VALUES = tuple(s.value for s in ACTIVE)
STATE_LABELS = {IncidentState.suspected: "疑似突发环境事件", IncidentState.declared: "突发环境事件",
                IncidentState.cleared: "已解除"}


class ReferralTarget(StrEnum):
    police = "110"
    fire = "119"
    ambulance = "120"
    other = "other"


TARGET_LABELS = {ReferralTarget.police: "110 公安", ReferralTarget.fire: "119 消防",
                 ReferralTarget.ambulance: "120 急救", ReferralTarget.other: "其他单位"}


class IncidentRefused(IllegalTransition):
    """An incident step not allowed now (409)."""


@dataclass(frozen=True)
class IncidentLexicon:
    signals: dict[str, int]
    threshold: int
    chronic: tuple[str, ...] = ()  # long-standing: then only a strong sign alone flags
    hypothetical: tuple[str, ...] = ()  # a clause that fears or supposes it (担心, 万一) counts nothing


@lru_cache(maxsize=4)
def load_incident_lexicon(path: Path = INCIDENT_TERMS) -> IncidentLexicon:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    signals = {normalise(str(word)): int(weight) for word, weight in (data.get("signals") or {}).items()}
    if not signals or any(w <= 0 for w in signals.values()):
        raise ValueError(f"{path}: `signals` must map words to positive weights")
    chronic = tuple(normalise(str(word)) for word in data.get("chronic") or ())
    hypothetical = tuple(normalise(str(word)) for word in data.get("hypothetical") or ())
    return IncidentLexicon(signals, int(data.get("threshold", 3)), chronic, hypothetical)


@dataclass(frozen=True)
class IncidentAssessment:
    suspected: bool
    words: tuple[str, ...]
    score: int
    explanation: str
    cancelled: tuple[str, ...] = ()


def assess_incident(text: str, lexicon: IncidentLexicon | None = None) -> IncidentAssessment:
    """Does the text describe a sudden environmental incident going on now? The words found are the reason.
    A word inside a longer word found in the same clause counts once (泄漏 in 刺鼻气体泄漏 is fine; 鱼死 in
    鱼死亡 ...); a clause that says it is over or past counts nothing."""
    lexicon = lexicon or load_incident_lexicon()
    cancel = load_lexicon().cancel_words
    words: list[str] = []
    cancelled: list[str] = []
    for clause in _CLAUSES.split(normalise(text)):
        found = [w for w in lexicon.signals if w in clause]
        found = [w for w in found if not any(w != other and w in other for other in found)]  # longest only
        if not found:
            continue
        past = any(c in clause for c in cancel) or any(h in clause for h in lexicon.hypothetical)
        for word in found:
            target = cancelled if past else words
            if word not in words and word not in cancelled:
                target.append(word)
    score = sum(lexicon.signals[w] for w in words)
    long_standing = [w for w in lexicon.chronic if w in normalise(text)]
    strong = any(lexicon.signals[w] >= lexicon.threshold for w in words)
    suspected = score >= lexicon.threshold and (strong or not long_standing)
    if score >= lexicon.threshold and not suspected:
        explanation = (f"「{'、'.join(long_standing)}」：长期问题，未见单独的突发迹象 / long-standing, no strong sign "
                       f"({'、'.join(words)})")
    elif suspected:
        explanation = f"疑似突发环境事件 / suspected incident: {'、'.join(words)}（{score} ≥ {lexicon.threshold}）"
    elif cancelled and not words:
        explanation = f"「{'、'.join(cancelled)}」已停止、已过去或只是担心 / over, past or only feared"
    else:
        explanation = "未发现突发环境事件迹象 / no sign of an incident"
    return IncidentAssessment(suspected, tuple(words), score, explanation, tuple(cancelled))


# --- the case's steps (called by Case's methods) ------------------------------------------------------------

_OPEN_STATUSES = ("triage", "assigned", "accepted")


def _require_open(case: Case, action: str) -> None:
    if case.status.value not in _OPEN_STATUSES:
        raise IncidentRefused(f"案件状态为 {case.status.value}，不能{action} / only an open case (triage, assigned, "
                              "accepted) can be")


def flag(case: Case, found: IncidentAssessment, *, at: datetime) -> bool:
    """The lexicon found an incident in a new complaint: 疑似, the duty officer alerted (by notify)."""
    if not found.suspected or case.incident is not None:
        return False
    case.incident, case.incident_since = IncidentState.suspected.value, at
    case._log("incident_flagged", "system", at, words=list(found.words), reason=found.explanation)
    case.record(CaseIncidentDeclaredV1, auto=True, words=list(found.words), reason=found.explanation,
                declared_at=at, by="system")
    return True


def declare(case: Case, reason: str, *, by: str, at: datetime) -> None:
    """宣布突发: a person declares the case an incident, or confirms a suspected one (its clock keeps running)."""
    _require_open(case, "宣布突发环境事件 / declare an incident")
    if case.incident == IncidentState.declared.value:
        raise IncidentRefused("已宣布为突发环境事件 / the incident is declared already")
    confirming = case.incident == IncidentState.suspected.value
    case.incident = IncidentState.declared.value
    if not confirming:
        case.incident_since = at  # a new incident (or again after a false alarm): a new 2-hour clock
    case._log("incident_declared", by, at, reason=reason, confirmed=confirming or None)
    case.record(CaseIncidentDeclaredV1, auto=False, words=[], reason=reason, declared_at=at, by=by)


def clear(case: Case, reason: str, *, by: str, at: datetime) -> None:
    """解除: a false alarm. The clock stops; the history keeps what happened."""
    if case.incident not in _ACTIVE_VALUES:
        raise IncidentRefused("案件不是突发环境事件，无需解除 / the case is no incident")
    case.incident = IncidentState.cleared.value
    case._log("incident_cleared", by, at, reason=reason)
    case.record(CaseIncidentClearedV1, reason=reason, cleared_at=at, by=by)


@dataclass(frozen=True)
class Referral:
    """A call to 110 / 119 / 120 or another body about the incident."""

    target: ReferralTarget
    called_at: datetime
    called_by: str
    other_body: str | None = None
    reference: str | None = None
    note: str | None = None


def record_referral(case: Case, referral: Referral, *, by: str, at: datetime) -> None:
    if case.incident not in _ACTIVE_VALUES:
        raise IncidentRefused("案件不是突发环境事件，不能登记联动 / record referrals of an incident only")
    if referral.target == ReferralTarget.other and not referral.other_body:
        raise IncidentRefused("联动“其他单位”时请写明单位名称 / name the body (other_body)")
    if referral.target != ReferralTarget.other and referral.other_body:
        raise IncidentRefused("只有“其他单位”需要填写单位名称 / other_body goes with target other only")
    if referral.called_at > at + _FUTURE_SLACK:
        raise IncidentRefused("呼叫时间不能晚于现在 / called_at is in the future")
    if referral.called_at < case.received_at - timedelta(days=1):
        raise IncidentRefused("呼叫时间早于投诉受理一天以上 / called_at is more than a day before the report")
    case._log(REFERRAL_ACTION, by, at, target=referral.target.value, other_body=referral.other_body,
              called_at=referral.called_at.isoformat(), called_by=referral.called_by,
              reference=referral.reference, note=referral.note)
    case.record(IncidentReferralRecordedV1, target=referral.target.value, other_body=referral.other_body,
                called_at=referral.called_at, called_by=referral.called_by, reference=referral.reference,
                note=referral.note, recorded_at=at, by=by)


def first_response(case: Case) -> tuple[datetime, str] | None:
    """The first response on record since the incident began (docs/incidents.md): the department's 签收 or a
    referral recorded, whichever came first (notify's clock stops on the same events, and on an on-site check)."""
    if case.incident_since is None:
        return None
    for entry in case.history:
        if entry.at >= case.incident_since and entry.action in ("accepted", REFERRAL_ACTION):
            return entry.at, entry.action
    return None


def incident_view(case: Case) -> dict[str, Any] | None:
    """The case page's incident block: state, reason, the 2-hour clock and the referrals."""
    if case.incident is None or case.incident_since is None:
        return None
    state = IncidentState(case.incident)
    since = case.incident_since
    began = [h for h in case.history if h.action in ("incident_flagged", "incident_declared") and h.at >= since]
    cleared = next((h for h in reversed(case.history) if h.action == "incident_cleared"), None)
    responded = first_response(case)
    referrals = [{"target": h.detail.get("target"), "label": TARGET_LABELS.get(ReferralTarget(h.detail["target"]), ""),
                  "other_body": h.detail.get("other_body"), "called_at": h.detail.get("called_at"),
                  "called_by": h.detail.get("called_by"), "reference": h.detail.get("reference"),
                  "note": h.detail.get("note"), "recorded_at": h.at, "recorded_by": h.actor}
                 for h in case.history if h.action == REFERRAL_ACTION and h.at >= since]
    return {
        "state": state.value, "label": STATE_LABELS[state], "active": state in ACTIVE, "since": since,
        "auto": bool(began) and began[0].action == "incident_flagged",
        "words": next((h.detail.get("words", []) for h in began if h.action == "incident_flagged"), []),
        "reasons": [{"by": h.actor, "at": h.at, "reason": h.detail.get("reason")} for h in began],
        "warn_at": since + WARNING_AFTER, "due": since + FIRST_RESPONSE,
        "responded_at": responded[0] if responded else None, "responded_by": responded[1] if responded else None,
        "cleared": ({"by": cleared.actor, "at": cleared.at, "reason": cleared.detail.get("reason")}
                    if cleared and state == IncidentState.cleared else None),
        "referrals": referrals,
    }
