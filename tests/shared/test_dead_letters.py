"""The dead-letter journal of the Kafka backend: parked records and replay markers, folded into views."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from shared.clock import SHANGHAI
from shared.contracts.envelope import CONTENT_TYPE, CloudEvent
from shared.eventbus import dead_letters as dl

PARKED_AT = datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)


def event(subject: str = "c-1") -> CloudEvent:
    return CloudEvent(source="/hechuan/test", type="hechuan.complaints.case.assigned.v1", subject=subject,
                      time=PARKED_AT, data={"complaint_id": subject})


def parked(offset: int, group: str = "routing", value: bytes | None = None, error: str = "boom") -> dl.DlqRecord:
    headers = dl.park_headers(content_type=CONTENT_TYPE, error=error, topic="complaints.lifecycle", partition=2,
                              offset=40 + offset, group=group, attempts=5,
                              parked_at=PARKED_AT + timedelta(minutes=offset))
    return dl.DlqRecord(topic="complaints.lifecycle.dlq", partition=0, offset=offset, key=b"c-1",
                        value=event().to_bytes() if value is None else value, headers=dl.decode_headers(headers))


def marker(offset: int, of: str, applied: bool, minutes: int, error: str | None = None) -> dl.DlqRecord:
    headers = dl.marker_headers(dead_letter=of, group="routing", applied=applied, error=error,
                                at=PARKED_AT + timedelta(minutes=minutes))
    return dl.DlqRecord(topic="complaints.lifecycle.dlq", partition=1, offset=offset, key=of.encode(), value=None,
                        headers=dl.decode_headers(headers))


def test_a_parked_record_reads_as_a_dead_letter_of_its_group() -> None:
    record = parked(0)
    [view] = dl.fold([record])
    assert view.id == "complaints.lifecycle.dlq:0:0"
    assert (view.group, view.topic, view.event_type, view.error, view.attempts) == (
        "routing", "complaints.lifecycle", "hechuan.complaints.case.assigned.v1", "boom", 5)
    assert view.created_at == PARKED_AT and view.replayed_at is None
    assert dl.fold([record], "notify") == []


def test_replay_markers_record_failures_and_the_final_success() -> None:
    first = parked(0)
    records = [first, parked(1), marker(0, first.id, False, 30, error="still broken"), marker(1, first.id, True, 40)]
    views = {v.id: v for v in dl.fold(records, "routing")}
    replayed = views[first.id]
    assert replayed.replayed_at == PARKED_AT + timedelta(minutes=40)
    assert (replayed.error, replayed.attempts) == ("still broken", 6)
    assert views["complaints.lifecycle.dlq:0:1"].replayed_at is None


def test_an_unreadable_message_is_still_listed() -> None:
    [view] = dl.fold([parked(0, value=b"\x00garbage")])
    assert (view.event_id, view.event_type) == ("unreadable", "?")


def test_long_errors_are_cut_and_ids_parse_back() -> None:
    record = parked(0, error="x" * 10_000)
    assert len(record.headers[dl.ERROR]) == dl.MAX_ERROR_CHARS
    assert dl.parse_id("complaints.dispatch.town_a.dlq:3:17") == ("complaints.dispatch.town_a.dlq", 3, 17)
    with pytest.raises(LookupError):
        dl.parse_id("complaints.lifecycle.dlq:x:1")
