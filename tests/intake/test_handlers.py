"""Intake's handlers through its message bus, on the real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from services.intake.adapters.tables import ChannelRefRow, ComplaintRow, DepartmentNameRow, RatingRow, TimelineRow
from services.intake.domain import commands as c
from services.intake.domain import errors
from services.intake.seed import DEMO_API_KEY
from shared.contracts import events as ev
from shared.contracts import topics
from shared.contracts.codes import Channel, Rating
from shared.contracts.topics import REFERENCE
from shared.eventbus.tables import OutboxRecord
from tests.intake.conftest import directory

RECEIVE = c.ReceiveComplaint(channel=Channel.web, content="合阳城街道某工地凌晨两点还在打桩", town="heyangcheng",
                             category="noise", reporter=c.Reporter(name="李四", phone="13812341234"))


def outbox(engine) -> list[dict]:
    """The complaints' events intake logged (the seeded knowledge articles', on the reference topic, aside)."""
    with engine.connect() as conn:
        rows = conn.execute(select(OutboxRecord.topic, OutboxRecord.payload).where(OutboxRecord.topic != REFERENCE)
                            .order_by(OutboxRecord.position)).all()
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
    assert again.citizen_token == first.citizen_token and len(first.citizen_token) >= 32  # the same token
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
    assert view.reply_due == now  # kept from case.assigned (Open311's expected_datetime)
    with pytest.raises(errors.RatingRefused):  # rating needs the private token, not the phone's digits
        intake.bus.handle(c.RateComplaint(received.tracking_code, Rating.satisfied))
    with pytest.raises(errors.RatingRefused):
        intake.bus.handle(c.RateComplaint(received.tracking_code, Rating.satisfied, token="1234"))
    rated = intake.bus.handle(c.RateComplaint(received.tracking_code, Rating.satisfied, "很快",
                                              token=received.citizen_token))
    assert rated.status == "closed" and rated.rating == "satisfied"
    event = outbox(intake.engine)[-1]
    assert event["topic"] == topics.LIFECYCLE and event["type"].endswith("complaint.rated.v1")
    assert event["data"] | {"rated_at": None} == {
        "complaint_id": received.id, "tracking_code": received.tracking_code, "rating": "satisfied",
        "comment": "很快", "reply_round": 1, "via": "citizen", "rated_at": None, "resolution": None}
    with intake.engine.connect() as conn:
        assert conn.execute(select(RatingRow.rating, RatingRow.reply_round)).all() == [("satisfied", 1)]
        stored = conn.execute(select(TimelineRow.text, TimelineRow.department)
                              .where(TimelineRow.complaint_id == received.id).order_by(TimelineRow.id)).all()
    assert stored[2] == ("{department}已签收，正在办理", "housing_construction")  # the name is looked up when shown


def test_the_token_is_stored_as_a_hash_and_ciphertext_only_and_found_again_by_the_private_link(intake):
    received = intake.bus.handle(RECEIVE)
    token = received.citizen_token
    assert token not in repr(received)  # never in a log line that prints the result
    with intake.engine.connect() as conn:
        row = conn.execute(select(ComplaintRow).where(ComplaintRow.id == received.id)).one()
        stored = " ".join(str(value) for value in conn.execute(select(ComplaintRow)).one())
    assert row.citizen_token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert row.citizen_token_enc.startswith("gAAAA") and token not in stored
    assert token not in json.dumps(outbox(intake.engine), ensure_ascii=False)
    assert intake.bus.handle(c.GetCitizenViewByToken(token)).tracking_code == received.tracking_code
    with pytest.raises(errors.PrivateLinkNotFound):
        intake.bus.handle(c.GetCitizenViewByToken(token[:-1] + ("A" if token[-1] != "A" else "B")))


def test_the_same_channel_reference_returns_the_first_complaint_and_another_makes_a_new_one(intake):
    call = c.ReceiveComplaint(channel=Channel.hotline, content="河里有死鱼，很多很多", channel_ref="call-0001",
                              api_key=DEMO_API_KEY, reporter=c.Reporter(phone="13812341234"))
    first = intake.bus.handle(call)
    again = intake.bus.handle(call)
    assert not first.replayed and again.replayed and (again.id, again.tracking_code) == (first.id, first.tracking_code)
    other_call = intake.bus.handle(c.ReceiveComplaint(**{**call.__dict__, "channel_ref": "call-0002"}))
    same_ref_elsewhere = intake.bus.handle(c.ReceiveComplaint(**{**call.__dict__, "channel": Channel.app}))
    assert len({first.id, other_call.id, same_ref_elsewhere.id}) == 3  # a reference is the channel's own
    with intake.engine.connect() as conn:
        refs = conn.execute(select(ChannelRefRow.channel, ChannelRefRow.ref, ChannelRefRow.complaint_id)
                            .order_by(ChannelRefRow.ref, ChannelRefRow.channel)).all()
    assert refs == sorted([("hotline", "call-0001", first.id), ("hotline", "call-0002", other_call.id),
                           ("app", "call-0001", same_ref_elsewhere.id)], key=lambda r: (r[1], r[0]))
    assert len([e for e in outbox(intake.engine) if e["type"].endswith("complaint.received.v1")]) == 3


def test_a_caller_is_found_by_a_keyed_hash_of_the_number_however_it_was_written(intake):
    first = intake.bus.handle(c.ReceiveComplaint(**{**RECEIVE.__dict__, "reporter": c.Reporter(phone="13812341234"),
                                                    "address": "合阳城街道 学士路 18 号"}))
    intake.clock.advance(timedelta(hours=1))
    second = intake.bus.handle(c.ReceiveComplaint(**{**RECEIVE.__dict__, "reporter": c.Reporter(phone="13812341234")}))
    intake.bus.handle(c.ReceiveComplaint(**{**RECEIVE.__dict__, "reporter": c.Reporter(phone="13900000000")}))
    with intake.engine.connect() as conn:
        hmacs = list(conn.execute(select(ComplaintRow.reporter_phone_hmac)).scalars())
    assert all(h and len(h) == 64 and "1234" not in h for h in hmacs)
    history = intake.bus.handle(c.GetHotlineHistory(caller="+86 138 1234 1234"))
    assert [p.tracking_code for p in history.by_caller] == [second.tracking_code, first.tracking_code]
    assert history.by_address == []
    by_address = intake.bus.handle(c.GetHotlineHistory(address="学士路 18"))
    assert [p.tracking_code for p in by_address.by_address] == [first.tracking_code] and by_address.by_caller == []
    with pytest.raises(errors.HistoryNeedsAQuestion):
        intake.bus.handle(c.GetHotlineHistory(address="学士"))


def test_a_code_of_the_earlier_six_character_form_is_still_found(intake):
    received = intake.bus.handle(c.ReceiveComplaint(channel=Channel.web, content="河里有死鱼，很多很多"))
    with intake.engine.begin() as conn:
        conn.execute(update(ComplaintRow).where(ComplaintRow.id == received.id).values(tracking_code="HC261101-7KQ2XM"))
    assert intake.bus.handle(c.GetCitizenView("hc261101-7kq2xm")).content == "河里有死鱼，很多很多"


def test_the_reply_deadline_is_kept_from_assignment_and_extension(intake):
    received = intake.bus.handle(RECEIVE)
    now = intake.clock.now()
    intake.deliver(assigned(received.id, received.tracking_code, now + timedelta(days=1)))
    with intake.engine.connect() as conn:
        assert conn.execute(select(ComplaintRow.reply_due)).scalar_one() == now + timedelta(days=1)
    later = now + timedelta(days=12)
    intake.deliver(ev.ExtensionDecidedV1(complaint_id=received.id, department="housing_construction", approved=True,
                                         reply_due=later, decided_at=now, by="supervisor"))
    with intake.engine.connect() as conn:
        assert conn.execute(select(ComplaintRow.reply_due)).scalar_one() == later


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
