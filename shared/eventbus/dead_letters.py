"""Dead-letter topics (`<topic>.dlq`) as a small journal: parked messages and replay markers.

A parked message is the original record (same key, same value) with headers saying why and where
from. Replaying it appends a *marker* to the same `.dlq` topic (key = the dead letter's id, header
`dlq-replay` = applied|failed), so the outcome is as durable as the dead letter itself and needs
no other store. Reading a `.dlq` topic from the beginning and folding the markers over the parked
messages gives the operator's view. Transport-neutral: records arrive as `DlqRecord`s.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from pydantic import ValidationError

from shared.clock import SHANGHAI
from shared.contracts.envelope import CloudEvent
from shared.eventbus.port import DeadLetterView

ERROR = "dlq-error"
ORIGINAL_TOPIC = "dlq-original-topic"
ORIGINAL_PARTITION = "dlq-original-partition"
ORIGINAL_OFFSET = "dlq-original-offset"
GROUP = "dlq-group"
ATTEMPTS = "dlq-attempts"
PARKED_AT = "dlq-parked-at"
REPLAY = "dlq-replay"  # only on markers: applied | failed
REPLAY_OF = "dlq-replay-of"
REPLAYED_AT = "dlq-replayed-at"

MAX_ERROR_CHARS = 4000

Headers = list[tuple[str, bytes]]


@dataclass(frozen=True)
class DlqRecord:
    topic: str  # the dead-letter topic, without any test prefix
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, str] = field(default_factory=dict)
    timestamp_ms: int | None = None

    @property
    def id(self) -> str:
        return dead_letter_id(self.topic, self.partition, self.offset)

    @property
    def is_marker(self) -> bool:
        return REPLAY in self.headers


def dead_letter_id(dlq_topic: str, partition: int, offset: int) -> str:
    return f"{dlq_topic}:{partition}:{offset}"


def parse_id(dead_letter: str) -> tuple[str, int, int]:
    topic, partition, offset = dead_letter.rsplit(":", 2)
    try:
        return topic, int(partition), int(offset)
    except ValueError as exc:
        raise LookupError(f"{dead_letter!r} is not a dead letter id (<topic>:<partition>:<offset>)") from exc


def park_headers(*, content_type: str, error: str, topic: str, partition: int, offset: int, group: str,
                 attempts: int, parked_at: datetime) -> Headers:
    return _encode({
        "content-type": content_type,
        ERROR: error[:MAX_ERROR_CHARS],
        ORIGINAL_TOPIC: topic,
        ORIGINAL_PARTITION: str(partition),
        ORIGINAL_OFFSET: str(offset),
        GROUP: group,
        ATTEMPTS: str(attempts),
        PARKED_AT: parked_at.isoformat(),
    })


def marker_headers(*, dead_letter: str, group: str, applied: bool, error: str | None, at: datetime) -> Headers:
    values = {REPLAY: "applied" if applied else "failed", REPLAY_OF: dead_letter, GROUP: group,
              REPLAYED_AT: at.isoformat()}
    if error:
        values[ERROR] = error[:MAX_ERROR_CHARS]
    return _encode(values)


def decode_headers(headers: Iterable[tuple[str, bytes | None]] | None) -> dict[str, str]:
    return {name: (value or b"").decode("utf-8", "replace") for name, value in headers or ()}


def fold(records: Iterable[DlqRecord], group: str | None = None) -> list[DeadLetterView]:
    """The operator's view of parked messages (oldest first), with replay markers applied."""
    parked: dict[str, DeadLetterView] = {}
    markers: list[DlqRecord] = []
    for record in records:
        if record.is_marker:
            markers.append(record)
        elif group is None or record.headers.get(GROUP) == group:
            parked[record.id] = _view(record)
    markers.sort(key=lambda m: m.headers.get(REPLAYED_AT, ""))
    for marker in markers:
        view = parked.get(marker.headers.get(REPLAY_OF, ""))
        if view is None or view.replayed_at is not None:
            continue
        at = _time(marker.headers.get(REPLAYED_AT), marker.timestamp_ms)
        if marker.headers[REPLAY] == "applied":
            parked[view.id] = replace(view, replayed_at=at)
        else:
            parked[view.id] = replace(view, error=marker.headers.get(ERROR, view.error), attempts=view.attempts + 1)
    return sorted(parked.values(), key=lambda v: (v.created_at or datetime.min.replace(tzinfo=UTC), v.id))


def _view(record: DlqRecord) -> DeadLetterView:
    event_id, event_type = "unreadable", "?"
    if record.value is not None:
        try:
            event = CloudEvent.from_json(record.value)
            event_id, event_type = event.id, event.type
        except (ValidationError, ValueError):
            pass
    headers = record.headers
    return DeadLetterView(
        id=record.id,
        group=headers.get(GROUP, "?"),
        topic=headers.get(ORIGINAL_TOPIC, record.topic.removesuffix(".dlq")),
        event_id=event_id,
        event_type=event_type,
        error=headers.get(ERROR, ""),
        attempts=int(headers.get(ATTEMPTS, "0") or 0),
        created_at=_time(headers.get(PARKED_AT), record.timestamp_ms),
    )


def _time(iso: str | None, timestamp_ms: int | None) -> datetime | None:
    if iso:
        try:
            return datetime.fromisoformat(iso)
        except ValueError:
            pass
    if timestamp_ms is not None and timestamp_ms >= 0:
        return datetime.fromtimestamp(timestamp_ms / 1000, SHANGHAI)
    return None


def _encode(values: dict[str, str]) -> Headers:
    return [(name, value.encode("utf-8")) for name, value in values.items()]
