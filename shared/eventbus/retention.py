"""Retention reaches the event log: the events a service logged about a complaint lose what anonymisation
removed from the complaint itself.

Every service's database keeps the events it wrote (`event_outbox`: on the embedded bus the log itself, on
Kafka what the relay published) and the events it could not apply (`event_dead_letter`). When a complaint is
anonymised (intake's `complaints anonymise`, announced to the others by `complaint.anonymised.v1`), each
service rewrites its logged events about that complaint: the masked name and phone are removed and the free
texts (the complaint, the reply, reasons, notes, comments) lose their phone and ID-card numbers by the same
rules as the complaint (`shared/scrub.py`). Ids, codes, dates, departments and places are left as they are,
so the log still tells what happened and when. Kafka's own copy is bounded by the topics' retention
(`KAFKA_TOPIC_RETENTION_DAYS`), not rewritten.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from shared.eventbus.tables import DeadLetter, OutboxRecord

# Masked personal data some events carry (staff-facing, never in clear): removed (the fields default to None).
PERSONAL_FIELDS = frozenset({"reporter_name_masked", "reporter_phone_masked"})
# Free text people typed, wherever it sits in an event (also inside lists and nested objects): scrubbed.
FREE_TEXT_FIELDS = frozenset({"content", "reply", "comment", "note", "reason", "body", "answer", "text",
                              "progress", "plan", "result", "remark", "address_note"})

_OUTBOX: sa.Table = OutboxRecord.__table__  # type: ignore[attr-defined]
_DEAD: sa.Table = DeadLetter.__table__  # type: ignore[attr-defined]


def _scrub_value(key: str | None, value: Any, scrub: Callable[[str], str]) -> Any:
    if isinstance(value, dict):
        return {k: _scrub_value(k, v, scrub) for k, v in value.items() if k not in PERSONAL_FIELDS}
    if isinstance(value, list):
        return [_scrub_value(key, v, scrub) for v in value]
    if key in FREE_TEXT_FIELDS and isinstance(value, str):
        return scrub(value)
    return value


def scrubbed_payload(payload: str, scrub: Callable[[str], str]) -> str:
    """A logged CloudEvent (JSON) with its data's personal fields emptied and free texts scrubbed; the same
    text when nothing changed (so the caller writes only what did)."""
    event = json.loads(payload)
    data = event.get("data")
    if not isinstance(data, dict):
        return payload
    clean = _scrub_value(None, data, scrub)
    if clean == data:
        return payload
    event["data"] = clean
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))


def scrub_logged(conn: Connection, subjects: Sequence[str], scrub: Callable[[str], str]) -> int:
    """Rewrite this database's logged events (outbox rows keyed by the subject, dead letters whose event is
    about it) for the complaints `subjects`, in the caller's transaction; returns how many rows changed."""
    if not subjects:
        return 0
    changed = 0
    rows = conn.execute(sa.select(_OUTBOX.c.position, _OUTBOX.c.payload).where(_OUTBOX.c.key.in_(subjects)))
    for position, payload in rows.all():
        clean = scrubbed_payload(payload, scrub)
        if clean != payload:
            conn.execute(_OUTBOX.update().where(_OUTBOX.c.position == position).values(payload=clean))
            changed += 1
    wanted = set(subjects)
    # Dead letters carry no key column: few, so a LIKE on the subject finds candidates and the JSON decides.
    like = sa.or_(*(_DEAD.c.payload.contains(subject, autoescape=True) for subject in subjects))
    for letter_id, payload in conn.execute(sa.select(_DEAD.c.id, _DEAD.c.payload).where(like)).all():
        try:
            subject = json.loads(payload).get("subject")
        except (ValueError, AttributeError):
            continue  # a message that was never a CloudEvent (parked raw): nothing of ours to read
        if subject not in wanted:
            continue
        clean = scrubbed_payload(payload, scrub)
        if clean != payload:
            conn.execute(_DEAD.update().where(_DEAD.c.id == letter_id).values(payload=clean))
            changed += 1
    return changed
