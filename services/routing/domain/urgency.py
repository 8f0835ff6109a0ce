"""Urgency (紧急): pollution going on now gets the urgent time limit (24 hours, not 5 working days).

The words are data (`lexicon/terms.yaml`, `urgent`). A word counts only when its clause (the text
between two punctuation marks) does not say the thing is over or in the past: "昨天晚上有人烧秸秆，
现在已经停了" is not urgent, "凌晨两点还在打桩" is. Cheap on purpose: a clause check, no parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.routing.domain.lexicon import load_lexicon, normalise

_CLAUSES = re.compile(r"[，。！？；,.!?;\n]+")


@dataclass(frozen=True)
class Urgency:
    urgent: bool
    words: tuple[str, ...]
    explanation: str
    cancelled: tuple[str, ...] = ()  # urgent words taken back by 已经停了, 昨天 ... in their clause


def assess_urgency(text: str, *, flagged: bool = False) -> Urgency:
    """Urgent when the reporter says so or the text describes pollution going on now."""
    lexicon = load_lexicon()
    words: list[str] = []
    cancelled: list[str] = []
    for clause in _CLAUSES.split(normalise(text)):
        found = [w for w in lexicon.urgent_words if w in clause]
        if not found:
            continue
        past = [w for w in lexicon.cancel_words if w in clause]
        (cancelled if past else words).extend(w for w in found if w not in words and w not in cancelled)
    reasons = []
    if flagged:
        reasons.append("报告人标记为紧急 / flagged urgent by the reporter")
    if words:
        reasons.append(f"正在发生的污染 / ongoing pollution: {'、'.join(words)}")
    if cancelled and not words:
        reasons.append(f"「{'、'.join(cancelled)}」已停止或已过去，不按紧急 / over or in the past")
    return Urgency(bool(flagged or words), tuple(words), "；".join(reasons) or "不紧急 / not urgent",
                   tuple(cancelled))
