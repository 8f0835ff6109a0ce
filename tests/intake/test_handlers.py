"""Intake's handlers through its message bus, on the real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from services.intake.adapters.tables import ComplaintRow, DepartmentNameRow, RatingRow, TimelineRow
from services.intake.domain import commands as c
from services.intake.domain import errors
from services.intake.seed import DEMO_API_KEY
from shared.contracts import events as ev
from shared.contracts import topics
from shared.contracts.codes import Channel, Rating
from shared.eventbus.tables import OutboxRecord
from tests.intake.conftest import directory

RECEIVE = c.ReceiveComplaint(channel=Channel.web, content="合阳城街道某工地凌晨两点还在打桩", town="heyangcheng",
                             category="noise", reporter=c.Reporter(name="李四", phone="13812341234"))


def outbox(engine) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(OutboxRecord.topic, OutboxRecord.payload).order_by(OutboxRecord.position)).all()
    return [{"topic": topic, **json.loads(payload)} for topic, payload in rows]


def assigned(complaint_id: str, code: str, at, department: str = "housing_construction") -> ev.CaseAssignedV1:
    return ev.CaseAssignedV1(complaint_id=complaint_id, tracking_code=code, department=department, category="noise",
                             subcategory="construction", received_at=at, assign_due=at, assigned_at=at,
                             accept_due=at, return_due=at, reply_due=at, rule="rule-1", by="system")


def test_receiving_stores_the_complaint_encrypted_with_its_event_in_one_transaction(intake):
    received = intake.bus.handle(RECEIVE)
    assert received.status == "received" and not received.replayed
    [event] = outbox(intake.engine)
    assert event["topic"] == topics.RECEIVED and event["subject"] == received.id
    assert event["data"]["reporter_phone_masked"] == "138****1234" and event["data"]["reporter_name_masked"] == "李*"
    assert event["data"]["tracking_code"] == received.tracking_code and event["data"]["channel"] == "web"
    with intake.engine.connect() as conn:
        row = conn.execute(select(ComplaintRow).where(ComplaintRow.id == received.id)).one()
        timeline = conn.execute(select(TimelineRow.text).where(TimelineRow.complaint_id == received.id)).scalars()
        assert list(timeline) == [f"投诉已受理，查询码 {received.tracking_code}"]
    assert "13812341234" not in row.reporter_phone_enc and "李四" not in row.reporter_name_enc
    assert row.phone_last4 == "1234" and row.status == "received"


def test_a_refused_command_writes_nothing(intake):
    future = c.ReceiveComplaint(channel=Channel.web, content="河里有死鱼，很多很多",
                                occurred_at=intake.clock.now() + timedelta(hours=3))
    with pytest.raises(errors.OccurredInFuture):
        intake.bus.handle(future)
    with pytest.raises(errors.ApiKeyMissing):
        intake.bus.handle(c.ReceiveComplaint(channel=Channel.app, content="河里有死鱼，很多很多"))
    with intake.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ComplaintRow)).scalar_one() == 0
    assert outbox(intake.engine) == []


def test_an_idempotency_key_returns_the_first_complaint_and_refuses_another_request(intake):
    keyed = c.ReceiveComplaint(**{**RECEIVE.__dict__, "idempotency_key": "k-1", "request_fingerprint": "f-1"})
    first = intake.bus.handle(keyed)
    again = intake.bus.handle(keyed)
    assert again.replayed and again.tracking_code == first.tracking_code
    with pytest.raises(errors.IdempotencyKeyReused) as reused:
        intake.bus.handle(c.ReceiveComplaint(**{**keyed.__dict__, "request_fingerprint": "f-2"}))
    assert reused.value.code == "idempotency_key_reused"
    assert len(outbox(intake.engine)) == 1


def test_the_lifecycle_reaches_the_citizen_view_and_a_rating_goes_out_as_an_event(intake):
    received = intake.bus.handle(RECEIVE)
    now = intake.clock.now()
    intake.deliver(
        directory(now),
        assigned(received.id, received.tracking_code, now),
        ev.CaseAcceptedV1(complaint_id=received.id, department="housing_construction", accepted_at=now, by="li"),
        ev.CaseRepliedV1(complaint_id=received.id, tracking_code=received.tracking_code,
                         department="housing_construction", reply="已责令停止夜间施工", replied_at=now,
                         reply_due=now, reply_round=1, by="li"),
    )
    view = intake.bus.handle(c.GetCitizenView(received.tracking_code.lower(), "1234"))
    assert view.status == "replied" and view.can_rate and view.department_name == "区住房城乡建委"
    assert [t.text for t in view.timeline][1:] == ["已交办至区住房城乡建委（噪声 / 建筑施工噪声）",
                                                   "区住房城乡建委已签收，正在办理", "区住房城乡建委已回复，欢迎评价"]
    with pytest.raises(errors.ComplaintNotFound):  # rating needs the phone's last four digits
        intake.bus.handle(c.RateComplaint(received.tracking_code, Rating.satisfied))
    rated = intake.bus.handle(c.RateComplaint(received.tracking_code, Rating.satisfied, "很快", "1234"))
    assert rated.status == "closed" and rated.rating == "satisfied"
    event = outbox(intake.engine)[-1]
    assert event["topic"] == topics.LIFECYCLE and event["type"].endswith("complaint.rated.v1")
    assert event["data"] | {"rated_at": None} == {
        "complaint_id": received.id, "tracking_code": received.tracking_code, "rating": "satisfied",
        "comment": "很快", "reply_round": 1, "via": "citizen", "rated_at": None}
    with intake.engine.connect() as conn:
        assert conn.execute(select(RatingRow.rating, RatingRow.reply_round)).all() == [("satisfied", 1)]
        stored = conn.execute(select(TimelineRow.text, TimelineRow.department)
                              .where(TimelineRow.complaint_id == received.id).order_by(TimelineRow.id)).all()
    assert stored[2] == ("{department}已签收，正在办理", "housing_construction")  # the name is looked up when shown


def test_an_event_about_a_complaint_intake_never_received_is_parked_not_lost(intake):
    now = intake.clock.now()
    intake.deliver(assigned("no-such-complaint", "HC000000-AAAAAA", now))
    [parked] = intake.log.dead_letters("intake")
    assert "no-such-complaint" in parked.error


def test_a_newer_directory_replaces_the_names_and_an_older_one_arriving_late_does_not(intake):
    now = intake.clock.now()
    intake.deliver(directory(now, revision=2, river_office="区河长办"))
    intake.deliver(directory(now + timedelta(minutes=1), revision=1, stale_office="过期的名录"))  # late: lower
    with intake.engine.connect() as conn:
        names = dict(conn.execute(select(DepartmentNameRow.code, DepartmentNameRow.name)).all())
    assert names["river_office"] == "区河长办" and "stale_office" not in names
    intake.deliver(directory(now - timedelta(minutes=1), revision=3))  # closed (and a clock behind): gone
    with intake.engine.connect() as conn:
        codes = set(conn.execute(select(DepartmentNameRow.code)).scalars())
    assert "river_office" not in codes and "ecology_env" in codes


def test_accounts_are_administered_through_the_bus(intake):
    add = c.AddUser(username="li.dispatcher", password="a-long-password-1", role="dispatcher",
                    department="river_office", display_name="李")
    with pytest.raises(errors.UnknownDepartment):  # routing has not named it (yet)
        intake.bus.handle(add)
    intake.deliver(directory(intake.clock.now(), river_office="区河长办"))
    user = intake.bus.handle(add)
    assert user.department == "river_office"
    with pytest.raises(errors.UserExists):
        intake.bus.handle(add)
    principal = intake.bus.handle(c.Authenticate("li.dispatcher", "a-long-password-1"))
    assert (principal.role, principal.department) == ("dispatcher", "river_office")
    intake.bus.handle(c.SetPassword("li.dispatcher", "a-new-long-password"))
    with pytest.raises(errors.WrongCredentials):
        intake.bus.handle(c.Authenticate("li.dispatcher", "a-long-password-1"))
    intake.bus.handle(c.DeactivateUser("li.dispatcher"))
    with pytest.raises(errors.WrongCredentials):
        intake.bus.handle(c.Authenticate("li.dispatcher", "a-new-long-password"))
    with pytest.raises(errors.UserNotFound):
        intake.bus.handle(c.DeactivateUser("nobody"))
    listed = {u.username: u for u in intake.bus.handle(c.ListUsers())}
    assert not listed["li.dispatcher"].active and listed["supervisor"].active


def test_api_keys_are_issued_listed_checked_and_revoked(intake):
    def from_app(key: str | None) -> c.ReceiveComplaint:
        return c.ReceiveComplaint(channel=Channel.app, content="河里有死鱼，很多很多", api_key=key)

    issued = intake.bus.handle(c.AddApiKey("call centre"))
    assert intake.bus.handle(from_app(issued.key)).status == "received"
    assert intake.bus.handle(from_app(DEMO_API_KEY)).status == "received"
    listed = {k.id: k for k in intake.bus.handle(c.ListApiKeys())}
    assert listed[issued.id].name == "call centre" and listed[issued.id].key_hash != issued.key
    intake.bus.handle(c.RevokeApiKey(issued.id))
    with pytest.raises(errors.ApiKeyRefused):
        intake.bus.handle(from_app(issued.key))
    with pytest.raises(errors.ApiKeyRefused):
        intake.bus.handle(from_app("not-a-key"))
    with pytest.raises(errors.ApiKeyMissing):
        intake.bus.handle(from_app(None))
    with pytest.raises(errors.ApiKeyNotFound):
        intake.bus.handle(c.RevokeApiKey(9999))
    assert not {k.id: k for k in intake.bus.handle(c.ListApiKeys())}[issued.id].active
