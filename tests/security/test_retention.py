"""Retention (issue 11): `complaints anonymise` removes the personal data of complaints finished before a
date, on SQLite and PostgreSQL, through the real command line against the whole system.

Complaints are made in March 2025 (the command refuses dates after the real today, so the fake clock is
set in the past); the figures of that month and the public disclosure are compared before and after.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from services.cli import main
from services.intake.adapters.crypto import FieldCipher
from services.intake.adapters.tables import (
    OUTBOUND_MESSAGES,
    ComplaintRow,
    IdempotencyKeyRow,
    RatingRow,
    TimelineRow,
    WechatRecipientRow,
)
from services.intake.adapters.upstream_tables import UPSTREAM_CASES, UPSTREAM_PUSHES
from services.intake.domain.retention import ARCHIVE_NOTE, ID_MARK, PHONE_MARK, Cutoff, scrub
from services.intake.settings import IntakeSettings
from shared.clock import SHANGHAI, FakeClock
from shared.eventbus.retention import scrubbed_payload
from shared.settings import DEMO_ENCRYPTION_KEY

PHONE = "13912345678"
ID_CARD = "51010219900101123X"
NOISE = "合阳城街道某工地凌晨两点还在打桩，噪音太大"
CUTOFF = "2025-03-20"  # between the old complaints (3 March) and the recent one (1 April)
# What the figures and the public record need: kept as it was.
KEPT = ("tracking_code", "channel", "category", "subcategory", "town", "address", "lat", "lon", "received_at",
        "status", "department", "replied_at", "reply_due", "reply_round", "rating", "updated_at", "legacy_id")
PERSONAL = ("reporter_name_enc", "reporter_phone_enc", "reporter_phone_hmac", "phone_last4", "citizen_token_hash",
            "citizen_token_enc")


# --- the rules -------------------------------------------------------------------------------------------


def test_phone_and_id_card_numbers_are_scrubbed_and_other_numbers_kept():
    said = (f"我叫张三，电话{PHONE}，也可打 +86 139-1234-5678 或 023-4281 2345，座机：42812345，"
            f"身份证{ID_CARD}（旧证 510102900101123），工地在学士路18号，晚上22点后噪音85分贝，查询码HC250303-7KQ2XM4P")
    clean = scrub(said)
    for gone in (PHONE, "139-1234-5678", "4281 2345", "42812345", ID_CARD, "510102900101123"):
        assert gone not in clean, gone
    assert clean.count(PHONE_MARK) == 4 and clean.count(ID_MARK) == 2
    for kept in ("学士路18号", "22点", "85分贝", "HC250303-7KQ2XM4P", "张三"):
        assert kept in clean, kept
    assert scrub(clean) == clean


def test_the_cutoff_is_the_date_given_or_retention_days_ago_and_never_after_today():
    today = date(2026, 11, 30)
    assert IntakeSettings(demo_mode=True).retention_days == 1095
    default = Cutoff.of(closed_before=None, retention_days=1095, today=today)
    assert default.day == date(2023, 12, 1) and default.before == datetime(2023, 12, 1, tzinfo=SHANGHAI)
    assert Cutoff.of(closed_before=date(2024, 1, 1), retention_days=1095, today=today).day == date(2024, 1, 1)
    with pytest.raises(ValueError, match="after today"):
        Cutoff.of(closed_before=date(2026, 12, 1), retention_days=1095, today=today)


# --- the command against the whole system ----------------------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    """Monday 2025-03-03 10:00 in Chongqing (overrides the root fixture: before the real today)."""
    return FakeClock(datetime(2025, 3, 3, 10, 0, tzinfo=SHANGHAI))


def report(system, headers: dict[str, str] | None = None, **body: Any) -> dict[str, Any]:
    response = system.http.post("/api/v1/complaints", json={"channel": "web", "town": "合阳城街道", **body},
                                headers=headers or {})
    assert response.status_code == 201, response.text
    return response.json()


def reply_and_rate(system, complaint: dict[str, Any], reply: str, comment: str | None = None, *,
                   rate: bool = True) -> None:
    system.drain()
    dispatcher = system.login("dispatcher-housing_construction")
    assert system.http.post(f"/api/v1/cases/{complaint['id']}/accept", headers=dispatcher).status_code == 200
    replied = system.http.post(f"/api/v1/cases/{complaint['id']}/reply", headers=dispatcher, json={"reply": reply})
    assert replied.status_code == 200, replied.text
    system.drain()
    if not rate:
        return
    rated = system.http.post(f"/api/v1/r/{complaint['citizen_token']}/rating",
                             json={"rating": "satisfied", "resolution": "resolved", "comment": comment})
    assert rated.status_code == 201, rated.text
    system.drain()


@pytest.fixture
def history(system, monkeypatch, database_url):  # type: ignore[no-untyped-def]
    """March 2025: a named reporter's complaint (numbers in its text, reply and rating comment; an
    Idempotency-Key; SMS; a WeChat recipient row) replied and rated; one rejected; one left open; one
    replied and never rated.
    1 April: the same reporter's new complaint, replied and rated."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    system.drain()
    reporter = {"name": "王五", "phone": PHONE}
    old = report(system, headers={"Idempotency-Key": "app-retention-1"}, reporter=reporter,
                 content=f"{NOISE}，我的电话{PHONE}，身份证号{ID_CARD}", category="noise", subcategory="construction")
    with system.engine.begin() as conn:
        cipher = FieldCipher(DEMO_ENCRYPTION_KEY)
        conn.execute(WechatRecipientRow.__table__.insert().values(  # type: ignore[attr-defined]
            complaint_id=old["id"], openid_enc=cipher.encrypt("oWx-someone"), openid_hmac=cipher.index("oWx-someone"),
            created_at=system.clock.now()))
    reply_and_rate(system, old, f"已到现场核查并电话联系投诉人{PHONE}，责令工地停止夜间施工",
                   comment="谢谢，有事打023-42812345")
    rejected = report(system, reporter={"phone": "13800002222"}, content="请领导重视一下我们这里的问题")
    system.drain()
    supervisor = system.login("supervisor")
    refused = system.http.post(f"/api/v1/cases/{rejected['id']}/reject", headers=supervisor,
                               json={"reason": "重复投诉，已电话联系13800002222说明"})
    assert refused.status_code == 200, refused.text
    still_open = report(system, reporter={"phone": "13700003333"}, content=NOISE, category="noise",
                        subcategory="construction")
    unrated = report(system, reporter={"phone": "13600004444"}, content=NOISE, category="noise",
                     subcategory="construction")
    reply_and_rate(system, unrated, "已责令整改", rate=False)  # replied, never rated: finished all the same
    system.clock.set(datetime(2025, 4, 1, 10, 0, tzinfo=SHANGHAI))
    recent = report(system, reporter=reporter, content=f"{NOISE}，电话{PHONE}", category="noise",
                    subcategory="construction")
    reply_and_rate(system, recent, "已处理")
    return {"system": system, "old": old, "rejected": rejected, "open": still_open, "recent": recent,
            "unrated": unrated}


def row(engine: Engine, complaint_id: str) -> dict[str, Any]:
    with engine.connect() as conn:
        return dict(conn.execute(select(ComplaintRow.__table__).where(  # type: ignore[attr-defined]
            ComplaintRow.id == complaint_id)).mappings().one())


def count(engine: Engine, table: Any, where: Any) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(table).where(where))


def messages_of(engine: Engine, complaint_id: str) -> int:
    return count(engine, OUTBOUND_MESSAGES, OUTBOUND_MESSAGES.c.key.like(f"%:{complaint_id}%"))


def figures(system) -> dict[str, Any]:
    supervisor = system.login("supervisor")
    sla = system.http.get("/api/v1/metrics/sla", params={"from": "2025-03-01", "to": "2025-04-30",
                                                         "group_by": "department"}, headers=supervisor)
    public = system.http.get("/api/v1/public/monthly", params={"month": "2025-03"})
    assert sla.status_code == public.status_code == 200, (sla.text, public.text)
    return {"sla": sla.json(), "public": public.json()}


def everything(engine: Engine) -> dict[str, list[Any]]:
    with engine.connect() as conn:
        return {name: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {name} ORDER BY 1"))]
                for name in ("intake_complaints", "intake_timeline", "intake_ratings", "intake_outbound_messages",
                             "intake_wechat_recipients", "intake_idempotency_keys", "intake_channel_refs")}


def test_a_finished_old_complaint_loses_its_personal_data_and_the_rest_keep_theirs(history, capsys, caplog):
    system, old = history["system"], history["old"]
    engine = system.engine
    assert [row(engine, history[k]["id"])["status"] for k in ("old", "rejected", "open", "recent", "unrated")] == \
        ["closed", "rejected", "assigned", "closed", "replied"]
    assert system.http.get(f"/api/v1/complaints/{old['tracking_code']}").status_code == 404  # the digits needed
    assert messages_of(engine, old["id"]) >= 2
    before, kept_before = figures(system), {k: row(engine, history[k]["id"]) for k in ("open", "recent")}
    old_before = row(engine, old["id"])
    snapshot = everything(engine)

    # A dry run (the default) counts and changes nothing.
    assert main(["anonymise", "--closed-before", CUTOFF]) == 0
    out = capsys.readouterr().out
    assert "dry run" in out and "  complaints: 3\n" in out and "  with_reporter: 3\n" in out
    assert "  wechat_recipients: 1\n" in out and "  idempotency_keys: 1\n" in out
    assert everything(engine) == snapshot

    caplog.set_level(logging.INFO, logger="complaints.audit")
    assert main(["anonymise", "--closed-before", CUTOFF, "--apply", "--by", "records-officer", "--batch-size",
                 "1"]) == 0
    out = capsys.readouterr().out
    assert "  complaints: 3\n" in out and "  idempotency_keys: 1\n" in out and "  comments_scrubbed: 1\n" in out
    [line] = [r.getMessage() for r in caplog.records if r.name == "complaints.audit"]
    assert line.startswith("anonymise (applied) by records-officer: complaints finished before 2025-03-20")
    assert f"audit: {line}" in out

    # The old finished ones: nothing that identifies the reporter is left.
    for key in ("old", "rejected", "unrated"):
        gone = row(engine, history[key]["id"])
        assert all(gone[name] is None for name in PERSONAL), key
        assert messages_of(engine, history[key]["id"]) == 0
    gone = row(engine, old["id"])
    assert PHONE not in gone["content"] and ID_CARD not in gone["content"] and PHONE_MARK in gone["content"]
    assert PHONE not in gone["reply"] and "责令工地停止夜间施工" in gone["reply"]
    assert gone["department"] == "housing_construction" and gone["rating"] == "satisfied"
    assert {k: gone[k] for k in KEPT} == {k: old_before[k] for k in KEPT}
    assert count(engine, WechatRecipientRow.__table__, WechatRecipientRow.complaint_id == old["id"]) == 0
    assert count(engine, IdempotencyKeyRow.__table__, IdempotencyKeyRow.complaint_id == old["id"]) == 0
    with engine.connect() as conn:
        comments = list(conn.scalars(select(RatingRow.comment).where(RatingRow.complaint_id == old["id"])))
        reasons = list(conn.scalars(select(TimelineRow.text)
                                    .where(TimelineRow.complaint_id == history["rejected"]["id"])))
    assert comments == [f"谢谢，有事打{PHONE_MARK}"]
    assert any("重复投诉" in r and PHONE_MARK in r for r in reasons) and not any("13800002222" in r for r in reasons)

    # The open one and the recent one keep everything; the reporter's history by phone finds only the recent one.
    assert {k: row(engine, history[k]["id"]) for k in ("open", "recent")} == kept_before
    assert messages_of(engine, history["recent"]["id"]) >= 2
    operator = system.login("operator")
    by_caller = system.http.get("/api/v1/channels/hotline/history", params={"caller": PHONE}, headers=operator).json()
    assert [c["tracking_code"] for c in by_caller["by_caller"]] == [history["recent"]["tracking_code"]]
    recent_view = system.http.get(f"/api/v1/complaints/{history['recent']['tracking_code']}")
    assert recent_view.status_code == 404  # still needs the phone digits

    # The targets and the public figures are what they were.
    assert figures(system) == before

    # The tracking page shows it by its code alone, archived; the private link and rating are gone.
    view = system.http.get(f"/api/v1/complaints/{old['tracking_code']}")
    assert view.status_code == 200, view.text
    body = view.json()
    assert body["status"] == "closed" and body["timeline"][-1]["text"] == ARCHIVE_NOTE and body["can_rate"] is False
    assert PHONE not in view.text and ID_CARD not in view.text and "王五" not in view.text
    assert system.http.get(f"/api/v1/r/{old['citizen_token']}").status_code == 404

    # A second run finds nothing left to do.
    after = everything(engine)
    assert main(["anonymise", "--closed-before", CUTOFF, "--apply"]) == 0
    assert "  complaints: 0\n" in capsys.readouterr().out
    assert everything(engine) == after


def test_what_was_pushed_to_an_upstream_platform_goes_with_the_complaint_but_pending_actions_stay(history, capsys):
    """A complaint transferred by 12345: the actions told to the platform (their bodies carry the reply) go
    once sent or given up; one still pending stays so that the platform hears the end of the case."""
    system = history["system"]
    now = system.clock.now()
    cipher = FieldCipher(DEMO_ENCRYPTION_KEY)

    def push(case_ref: str, seq: int, status: str) -> dict[str, Any]:
        return {"key": f"{case_ref}:{seq}", "channel": "upstream", "recipient_enc": cipher.encrypt("12345"),
                "body_enc": cipher.encrypt(f"已电话联系投诉人{PHONE}"), "kind": "reply", "status": status,
                "attempts": 1, "created_at": now, "next_attempt_at": now, "case_ref": case_ref, "seq": seq}

    with system.engine.begin() as conn:
        for key, case_no in (("old", "12345-OLD"), ("recent", "12345-NEW")):
            conn.execute(UPSTREAM_CASES.insert().values(
                platform="12345", case_no=case_no, complaint_id=history[key]["id"], transferred_at=now,
                received_at=now, urgent=False, state="replied", pushes=2, updated_at=now))
        conn.execute(UPSTREAM_PUSHES.insert(), [push("12345:12345-OLD", 1, "sent"), push("12345:12345-OLD", 2, "dead"),
                                                push("12345:12345-OLD", 3, "pending"),
                                                push("12345:12345-NEW", 1, "sent")])

    assert main(["anonymise", "--closed-before", CUTOFF]) == 0
    assert "  upstream_pushes: 2\n" in capsys.readouterr().out
    assert main(["anonymise", "--closed-before", CUTOFF, "--apply"]) == 0
    assert "  upstream_pushes: 2\n" in capsys.readouterr().out
    with system.engine.connect() as conn:
        left = conn.execute(select(UPSTREAM_PUSHES.c.key).order_by(UPSTREAM_PUSHES.c.key)).scalars().all()
    assert left == ["12345:12345-NEW:1", "12345:12345-OLD:3"]  # the recent complaint's, and the pending one


def test_without_a_date_the_retention_period_decides_and_a_bad_date_is_refused(history, monkeypatch, capsys):
    monkeypatch.setenv("RETENTION_DAYS", str(100 * 365))  # a century: nothing of 2025 is that old
    assert main(["anonymise"]) == 0
    out = capsys.readouterr().out
    assert "  complaints: 0\n" in out and "dry run" in out
    monkeypatch.setenv("RETENTION_DAYS", "30")  # a month ago: every finished complaint of 2025
    assert main(["anonymise"]) == 0
    assert "  complaints: 4\n" in capsys.readouterr().out
    tomorrow = (datetime.now(SHANGHAI).date() + timedelta(days=2)).isoformat()
    for wrong in ("2025-13-01", "03/20/2025", tomorrow):
        assert main(["anonymise", "--closed-before", wrong, "--apply"]) == 2
        assert "--closed-before" in capsys.readouterr().err
    assert row(history["system"].engine, history["old"]["id"])["phone_last4"] == PHONE[-4:]


def test_imported_history_counts_from_the_older_systems_dates_not_the_import(system, monkeypatch, database_url,
                                                                             tmp_path, capsys):
    """History cases of 2021 imported today are finished long before the cutoff; the open ones imported with
    them are received today and kept."""
    from bench.history_import import mapping_text, write_export

    monkeypatch.setenv("DATABASE_URL", database_url)
    system.drain()
    export, mapping = tmp_path / "export.csv", tmp_path / "mapping.yaml"
    kinds = write_export(export, 12, seed=3, broken_share=0, open_share=0.25)
    mapping.write_text(mapping_text(), encoding="utf-8")
    assert main(["import", str(export), "--mapping", str(mapping)]) == 0
    capsys.readouterr()
    assert main(["anonymise", "--closed-before", CUTOFF, "--apply"]) == 0
    assert f"  complaints: {kinds['finished']}\n" in capsys.readouterr().out
    with system.engine.connect() as conn:
        rows = conn.execute(select(ComplaintRow.legacy_id, ComplaintRow.status, ComplaintRow.phone_last4,
                                   ComplaintRow.reporter_phone_enc)).all()
    history = [r for r in rows if r.legacy_id and r.status == "closed"]
    still_open = [r for r in rows if r.legacy_id and r.status != "closed"]
    assert len(history) == kinds["finished"] > 0 and len(still_open) == kinds["open"] > 0
    assert all(r.phone_last4 is None and r.reporter_phone_enc is None for r in history)
    assert all(r.phone_last4 and r.reporter_phone_enc for r in still_open)


def routing_copy(engine: Engine, complaint_id: str) -> dict[str, Any]:
    with engine.connect() as conn:
        case = dict(conn.execute(text("SELECT * FROM routing_cases WHERE complaint_id = :id"),
                                 {"id": complaint_id}).mappings().one())
        case["history"] = [tuple(r) for r in conn.execute(text(
            "SELECT action, detail FROM routing_case_history WHERE complaint_id = :id ORDER BY id"),
            {"id": complaint_id})]
    return case


def test_routing_and_notify_scrub_their_copies_of_an_anonymised_complaint_and_leave_the_others(history, capsys):
    """Routing keeps its own copy of the complaint (text, masked phone, reply, reasons in its audit trail),
    notify the notes typed on its callback calls: intake announces each complaint it anonymised and both
    scrub their copies the same way."""
    system, old, rejected = history["system"], history["old"], history["rejected"]
    engine = system.engine
    with engine.begin() as conn:  # a note typed on a phone callback of each: one old, one recent
        for key in ("old", "recent"):
            conn.execute(text("INSERT INTO notify_callback_attempts (complaint_id, reply_round, at, by, outcome, note) "
                              "VALUES (:id, 1, :at, 'operator', 'no_answer', :note)"),
                         {"id": history[key]["id"], "at": system.clock.now(), "note": f"拨打{PHONE}无人接听"})
    before = routing_copy(engine, old["id"])
    assert PHONE in before["content"] and PHONE in before["reply"] and before["reporter_phone_masked"]
    assert "13800002222" in str(routing_copy(engine, rejected["id"])["history"])
    kept_before = {k: routing_copy(engine, history[k]["id"]) for k in ("open", "recent")}

    assert main(["anonymise", "--closed-before", CUTOFF, "--apply"]) == 0
    capsys.readouterr()
    system.drain()

    for key in ("old", "rejected", "unrated"):
        copy = routing_copy(engine, history[key]["id"])
        assert copy["reporter_phone_masked"] is None, key
        assert [action for action, _ in copy["history"]].count("anonymised") == 1, key
    after = routing_copy(engine, old["id"])
    assert PHONE not in after["content"] and ID_CARD not in after["content"] and PHONE_MARK in after["content"]
    assert PHONE not in after["reply"] and "责令工地停止夜间施工" in after["reply"]
    assert {k: after[k] for k in ("department", "category", "town", "address", "status", "replied_at")} == \
        {k: before[k] for k in ("department", "category", "town", "address", "status", "replied_at")}
    refused = routing_copy(engine, rejected["id"])
    assert "13800002222" not in str(refused) and PHONE_MARK in refused["closing_reason"]
    supervisor = system.login("supervisor")
    detail = system.http.get(f"/api/v1/cases/{old['id']}", headers=supervisor)
    assert detail.status_code == 200 and PHONE not in detail.text and ID_CARD not in detail.text
    assert {k: routing_copy(engine, history[k]["id"]) for k in ("open", "recent")} == kept_before
    with engine.connect() as conn:
        notes = {row[0]: row[1] for row in conn.execute(text(
            "SELECT complaint_id, note FROM notify_callback_attempts WHERE note LIKE '拨打%'"))}
    assert notes == {old["id"]: f"拨打{PHONE_MARK}无人接听", history["recent"]["id"]: f"拨打{PHONE}无人接听"}


def logged(engine: Engine, complaint_id: str) -> dict[str, dict[str, Any]]:
    """The events logged about a complaint (the outbox: on the embedded bus, the log itself), by id."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT event_id, payload FROM event_outbox WHERE key = :id ORDER BY position"),
                            {"id": complaint_id}).all()
    return {event_id: json.loads(payload) for event_id, payload in rows}


def test_the_event_log_loses_what_the_complaint_lost_and_keeps_what_happened(history, capsys):
    """The log kept the complaint's text, the masked phone, the reply and the rating's comment as they were
    sent; anonymising rewrites those events (and a parked copy of one) the same way, and leaves the events'
    ids, types, order and facts, and the other complaints' events, as they were."""
    system, old = history["system"], history["old"]
    engine = system.engine
    before = logged(engine, old["id"])
    assert {"hechuan.complaints.complaint.received.v1", "hechuan.complaints.case.replied.v1",
            "hechuan.complaints.complaint.rated.v1"} <= {e["type"] for e in before.values()}
    raw = json.dumps(before, ensure_ascii=False)
    assert PHONE in raw and ID_CARD in raw and "023-42812345" in raw and "reporter_phone_masked" in raw
    received = next(e for e in before.values() if e["type"].endswith("complaint.received.v1"))
    with engine.begin() as conn:  # a copy of it parked by a consumer that could not apply it
        conn.execute(text("INSERT INTO event_dead_letter (group_id, topic, event_id, payload, error, attempts, "
                          "created_at) VALUES ('notify', 'complaints.received', :id, :payload, 'boom', 5, :at)"),
                     {"id": received["id"], "payload": json.dumps(received, ensure_ascii=False),
                      "at": system.clock.now()})
    others = {k: logged(engine, history[k]["id"]) for k in ("open", "recent")}

    assert main(["anonymise", "--closed-before", CUTOFF, "--apply"]) == 0
    assert "logged_events_scrubbed=" in capsys.readouterr().out
    system.drain()

    after = logged(engine, old["id"])
    assert set(before) <= set(after)  # nothing lost; routing and notify logged `anonymised` since
    assert all(after[i]["type"] == before[i]["type"] and after[i]["time"] == before[i]["time"] for i in before)
    for key in ("old", "rejected", "unrated"):
        text_of_log = json.dumps(logged(engine, history[key]["id"]), ensure_ascii=False)
        for secret in (PHONE, ID_CARD, "023-42812345", "13800002222", "13600004444", "reporter_phone_masked",
                       "reporter_name_masked"):
            assert secret not in text_of_log, (key, secret)
    kept = next(e for i, e in after.items() if e["type"].endswith("complaint.received.v1"))["data"]
    assert PHONE_MARK in kept["content"] and ID_MARK in kept["content"] and kept["content"].startswith(NOISE)
    assert {k: kept[k] for k in ("tracking_code", "category", "town")} == \
        {k: received["data"][k] for k in ("tracking_code", "category", "town")}
    reply = next(e for e in after.values() if e["type"].endswith("case.replied.v1"))["data"]["reply"]
    assert PHONE not in reply and "责令工地停止夜间施工" in reply
    with engine.connect() as conn:
        parked = json.loads(conn.scalar(text("SELECT payload FROM event_dead_letter WHERE event_id = :id"),
                                        {"id": received["id"]}))
    assert parked["data"]["content"] == kept["content"] and "reporter_phone_masked" not in parked["data"]
    assert {k: logged(engine, history[k]["id"]) for k in ("open", "recent")} == others


def test_a_logged_event_loses_personal_fields_and_numbers_in_its_texts_only():
    """Ids and codes are never scrubbed, even where their digits look like a landline (0123-4567-8901)."""
    event = {"id": "e1", "type": "t", "subject": "abcdefab-0123-4567-8901-abcdefabcdef", "data": {
        "complaint_id": "abcdefab-0123-4567-8901-abcdefabcdef", "tracking_code": "HC20250303-0123-4567",
        "content": f"电话{PHONE}", "reporter_phone_masked": "139****5678", "reporter_name_masked": "王*",
        "assists": [{"department": "x", "note": f"联系{PHONE}"}], "address": "学士路18号", "urgent": False}}
    clean = json.loads(scrubbed_payload(json.dumps(event, ensure_ascii=False), scrub))
    kept = {k: v for k, v in event["data"].items() if not k.startswith("reporter_")}  # type: ignore[union-attr]
    assert clean["data"] == {**kept, "content": f"电话{PHONE_MARK}",
                             "assists": [{"department": "x", "note": f"联系{PHONE_MARK}"}]}
    assert {k: clean[k] for k in ("id", "type", "subject")} == {k: event[k] for k in ("id", "type", "subject")}
    unchanged = json.dumps({"id": "e2", "data": {"content": "噪音"}})
    assert scrubbed_payload(unchanged, scrub) is unchanged  # nothing to change: nothing rewritten
