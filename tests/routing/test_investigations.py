"""调查处理 over HTTP, on both databases: the department records the on-site check (time, the phone's position,
readings, photos), the finding, the actions and the re-check; a supervisor signs it off (销号) only after a
re-check found it rectified (or with a finding of 不属实); who may do what; the bodies' checks; the events; the
reply's rule. The pure rules are in test_investigation_rules.py."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from services.routing import bootstrap as routing
from tests.images import jpeg
from tests.photo_store import MemoryStore

HOUSING = "housing_construction"


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def runtime(context, topic_admin, store):  # routing with the photos kept in memory
    routing.seed(context.engine, context.settings, context.clock)
    return routing.bootstrap(context, topic_admin=topic_admin, photos=store)


@pytest.fixture
def case_id(receive, client, auth, clock):
    found = receive().subject  # received at 10:00; an hour later
    clock.advance(timedelta(hours=1))
    assert client.get(f"/api/v1/cases/{found}", headers=auth("supervisor")).json()["department"] == HOUSING
    return found


def _photo(client, case_id, headers, colour=(90, 120, 60)) -> str:
    made = client.post(f"/api/v1/cases/{case_id}/investigation/photos", headers=headers,
                       files={"file": ("现场.jpg", jpeg(colour=colour), "image/jpeg")})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def test_the_department_investigates_and_a_supervisor_signs_it_off(client, auth, case_id, clock, store, outbox):
    disp, sup = auth("dispatcher", HOUSING), auth("supervisor")
    base = f"/api/v1/cases/{case_id}/investigation"
    empty = client.get(base, headers=disp).json()
    assert (empty["started"], empty["stage_label"], empty["checks"]) == (False, "未开始", [])

    photo = _photo(client, case_id, disp)
    clock.advance(timedelta(hours=2))
    checked = client.post(f"{base}/checks", headers=disp, json={
        "checked_at": "2026-11-26T11:30:00+08:00", "by": "张三、李四",
        "location": {"lat": 29.9717, "lon": 106.2766, "accuracy_m": 12.5}, "address_note": "南屏路工地东门",
        "readings": [{"parameter": "噪声", "value": 68.4, "unit": "dB(A)", "limit": 55},
                     {"parameter": "pH", "value": 7.1, "unit": ""}],
        "photos": [photo], "note": "现场正在打桩"})
    assert checked.status_code == 201, checked.text
    [check] = checked.json()["checks"]
    assert check["location"] == {"lat": 29.9717, "lon": 106.2766, "accuracy_m": 12.5}
    assert [(r["parameter"], r["exceeded"]) for r in check["readings"]] == [("噪声", True), ("pH", None)]
    assert check["photos"] == [photo] and check["recorded_by"] == f"dispatcher-{HOUSING}"
    assert checked.json()["stage"] == "checking"

    # a reply now would rest on nothing: the finding comes first
    early = client.post(f"/api/v1/cases/{case_id}/reply", headers=disp, json={"reply": "已处理"})
    assert early.status_code == 409 and "调查结论" in early.json()["error"]["message"]

    found = client.post(f"{base}/finding", headers=disp, json={"finding": "true", "note": "夜间违规施工"})
    assert found.status_code == 200 and found.json()["finding_label"] == "属实"
    for body in ({"kind": "rectify", "deadline": "2026-12-03", "note": "停止夜间施工"},
                 {"kind": "penalty", "amount_yuan": "20000.50", "case_number": "渝合环罚〔2026〕12号"},
                 {"kind": "transfer", "body": "区住房城乡建委"}):
        made = client.post(f"{base}/actions", headers=disp, json=body)
        assert made.status_code == 201, (body, made.text)
    actions = made.json()["actions"]
    assert [a["kind_label"] for a in actions] == ["责令整改", "立案处罚", "移送"]
    assert actions[1]["amount_yuan"] == "20000.50" and actions[0]["deadline"] == "2026-12-03"
    assert made.json()["stage"] == "handling" and made.json()["recheck_needed"] is True
    draft = made.json()["reply_draft"]
    assert draft.startswith("经现场核查，您反映的情况属实。") and "12月3日前整改" in draft and "区住房城乡建委" in draft

    early_sign = client.post(f"{base}/sign-off", headers=sup, json={})
    assert early_sign.status_code == 409 and early_sign.json()["error"]["code"] == "investigation_refused"

    # a reply in the desk's form states the recorded finding, or is refused
    unlike = client.post(f"/api/v1/cases/{case_id}/reply", headers=disp,
                         json={"reply": "【核查结论】不属实\n【调查情况】未见施工\n【处理措施】无"})
    assert unlike.status_code == 409 and "不一致" in unlike.json()["error"]["message"]
    # the reply (with the finding) goes out; the re-check comes after it
    replied = client.post(f"/api/v1/cases/{case_id}/reply", headers=disp, json={"reply": draft})
    assert replied.status_code == 200, replied.text
    detail = client.get(f"/api/v1/cases/{case_id}", headers=disp).json()
    assert detail["investigation"] == {"stage": "handling", "stage_label": "整改中", "finding": "true",
                                       "finding_label": "属实"}

    clock.advance(timedelta(days=7))
    not_yet = client.post(f"{base}/rechecks", headers=disp, json={
        "checked_at": "2026-12-03T10:00:00+08:00", "by": "张三", "result": "not_rectified", "note": "仍在夜间施工"})
    assert not_yet.status_code == 201, not_yet.text
    assert client.post(f"{base}/sign-off", headers=sup, json={}).status_code == 409
    no_photo = client.post(f"{base}/rechecks", headers=disp, json={
        "checked_at": "2026-12-03T11:00:00+08:00", "by": "张三", "result": "rectified"})
    assert no_photo.status_code == 422 and "照片" in no_photo.json()["error"]["message"]
    evidence = _photo(client, case_id, disp, colour=(10, 200, 30))
    done = client.post(f"{base}/rechecks", headers=disp, json={
        "checked_at": "2026-12-03T11:00", "by": "张三", "result": "rectified", "photos": [evidence],
        "readings": [{"parameter": "噪声", "value": 52, "unit": "dB(A)", "limit": 55}]})
    assert done.status_code == 201, done.text
    assert done.json()["rechecks"][1]["checked_at"] == "2026-12-03T11:00:00+08:00"  # no offset: Chongqing's
    assert done.json()["stage"] == "ready" and done.json()["may_sign_off"] is True

    assert client.post(f"{base}/sign-off", headers=disp, json={}).status_code == 403  # a dispatcher does not
    signed = client.post(f"{base}/sign-off", headers=sup, json={"note": "整改到位，同意销号"})
    assert signed.status_code == 200, signed.text
    assert (signed.json()["stage_label"], signed.json()["signed_off_by"]) == ("已销号", "supervisor-x")
    after = client.post(f"{base}/checks", headers=disp, json={"checked_at": "2026-12-03T12:00:00+08:00",
                                                              "by": "张三"})
    assert after.status_code == 409 and "已销号" in after.json()["error"]["message"]
    assert client.post(f"{base}/sign-off", headers=sup, json={}).status_code == 409

    # the photos come back from the reply photos' store, to whoever may read the file
    got = client.get(f"{base}/photos/{evidence}", headers=sup)
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    assert got.content in store.files.values() and len(store.files) == 2
    kept = client.get(base, headers=disp).json()
    assert [p["id"] for p in kept["photos"]] == [photo, evidence] and kept["photos"][1]["url"].endswith(evidence)

    events = [(r.type.removeprefix("hechuan.complaints."), json.loads(r.payload)["data"]) for r in outbox(case_id)
              if ".investigation." in r.type]
    assert [t for t, _ in events] == ["investigation.checked.v1", "investigation.finding.v1",
                                      "investigation.action.v1", "investigation.action.v1",
                                      "investigation.action.v1", "investigation.rechecked.v1",
                                      "investigation.rechecked.v1", "investigation.signed_off.v1"]
    first = events[0][1]
    assert (first["lat"], first["exceeded"], first["photos"], first["department"]) == (29.9717, True, 1, HOUSING)
    assert first["readings"][0] == {"parameter": "噪声", "value": 68.4, "unit": "dB(A)", "limit": 55.0}
    assert "现场正在打桩" not in json.dumps([d for _, d in events], ensure_ascii=False)  # no free text travels
    assert events[3][1]["amount_yuan"] == "20000.50" and events[3][1]["case_number"] == "渝合环罚〔2026〕12号"
    assert events[-1][1]["finding"] == "true" and events[-1][1]["rechecks"] == 2


def test_a_case_found_untrue_is_signed_off_without_a_recheck(client, auth, case_id):
    disp, sup = auth("dispatcher", HOUSING), auth("supervisor")
    base = f"/api/v1/cases/{case_id}/investigation"
    assert client.post(f"{base}/finding", headers=disp, json={"finding": "false"}).status_code == 409  # no check
    assert client.post(f"{base}/checks", headers=disp, json={"checked_at": "2026-11-26T10:30:00+08:00",
                                                             "by": "王五"}).status_code == 201
    assert client.post(f"{base}/finding", headers=disp, json={"finding": "false",
                                                              "note": "现场未发现施工"}).status_code == 200
    acted = client.post(f"{base}/actions", headers=disp, json={"kind": "rectify", "deadline": "2026-12-01"})
    assert acted.status_code == 409  # nothing to act on
    recheck = client.post(f"{base}/rechecks", headers=disp, json={
        "checked_at": "2026-11-26T10:45:00+08:00", "by": "王五", "result": "rectified"})
    assert recheck.status_code == 409
    ready = client.get(base, headers=sup).json()
    assert (ready["stage"], ready["recheck_needed"], ready["may_sign_off"]) == ("ready", False, True)
    assert client.post(f"/api/v1/cases/{case_id}/reply", headers=disp,
                       json={"reply": ready["reply_draft"]}).status_code == 200
    assert client.post(f"{base}/sign-off", headers=sup, json={}).json()["stage"] == "signed_off"


def test_who_may_do_what(client, auth, case_id):
    own, other = auth("dispatcher", HOUSING), auth("dispatcher", "ecology_env")
    sup, admin, operator = auth("supervisor"), auth("admin"), auth("operator")
    base = f"/api/v1/cases/{case_id}/investigation"
    check = {"checked_at": "2026-11-26T10:30:00+08:00", "by": "张三"}
    # another department's case is as absent as a case that does not exist
    assert client.get(base, headers=other).status_code == 404
    assert client.post(f"{base}/checks", headers=other, json=check).status_code == 404
    assert client.post(f"{base}/photos", headers=other,
                       files={"file": ("a.jpg", jpeg(), "image/jpeg")}).status_code == 404
    assert client.post("/api/v1/cases/nope/investigation/checks", headers=own, json=check).status_code == 404
    # supervisors read every file and sign off; they do not record the department's checks
    assert client.post(f"{base}/checks", headers=sup, json=check).status_code == 403
    assert client.post(f"{base}/checks", headers=operator, json=check).status_code == 403
    assert client.get(base, headers=operator).status_code == 403
    assert client.post(f"{base}/checks", headers=own, json=check).status_code == 201
    assert client.post(f"{base}/checks", headers=admin, json=check).status_code == 201  # admins may do anything
    assert client.get(base, headers=sup).json()["checks"][1]["recorded_by"] == "admin-x"
    assert client.post(f"{base}/sign-off", headers=own, json={}).status_code == 403
    assert client.post(f"{base}/checks", json=check).status_code == 401
    photo = _photo(client, case_id, own)
    assert client.get(f"{base}/photos/{photo}", headers=other).status_code == 404
    assert client.get(f"{base}/photos/nope", headers=own).status_code == 404
    assert client.get(f"{base}/photos/{photo}", headers=own).status_code == 200


def test_bodies_are_checked(client, auth, case_id, receive):
    disp = auth("dispatcher", HOUSING)
    base = f"/api/v1/cases/{case_id}/investigation"
    good = {"checked_at": "2026-11-26T10:30:00+08:00", "by": "张三"}
    for wrong in ({**good, "location": {"lat": 91, "lon": 106}}, {**good, "location": {"lat": 29, "lon": 181}},
                  {**good, "location": {"lat": 29, "lon": 106, "accuracy_m": -1}},
                  {**good, "readings": [{"parameter": "噪声", "value": "68", "unit": "dB(A)"}]},
                  {**good, "readings": [{"parameter": "噪声", "value": 2e6, "unit": "dB(A)"}]},
                  {**good, "readings": [{"parameter": "噪声", "value": 60, "unit": "dB", "limit": -3e6}]},
                  {**good, "readings": [{"parameter": "噪声", "value": 60}] * 21},
                  {**good, "photos": ["x"] * 10}, {**good, "by": "  "}, {**good, "extra": 1},
                  {"by": "张三"}, {**good, "checked_at": "yesterday"}):
        answer = client.post(f"{base}/checks", headers=disp, json=wrong)
        assert answer.status_code == 422, (wrong, answer.text)
    future = client.post(f"{base}/checks", headers=disp, json={**good, "checked_at": "2026-11-26T11:01:00+08:00"})
    assert future.status_code == 422 and "不能晚于现在" in future.json()["error"]["message"]
    before = client.post(f"{base}/checks", headers=disp, json={**good, "checked_at": "2026-11-25T09:00:00+08:00"})
    assert before.status_code == 422  # before the complaint came in
    unknown = client.post(f"{base}/checks", headers=disp, json={**good, "photos": ["not-uploaded"]})
    assert unknown.status_code == 422 and "照片" in unknown.json()["error"]["message"]
    fake = client.post(f"{base}/photos", headers=disp, files={"file": ("a.jpg", b"<html>no</html>", "image/jpeg")})
    assert fake.status_code == 415
    assert client.post(f"{base}/checks", headers=disp, json=good).status_code == 201
    assert client.post(f"{base}/finding", headers=disp, json={"finding": "maybe"}).status_code == 422
    assert client.post(f"{base}/finding", headers=disp, json={"finding": "partly"}).status_code == 200
    for wrong in ({"kind": "penalty", "amount_yuan": "1.234", "case_number": "罚1"},
                  {"kind": "penalty", "amount_yuan": "-1", "case_number": "罚1"},
                  {"kind": "penalty", "amount_yuan": "200000000", "case_number": "罚1"},
                  {"kind": "penalty", "amount_yuan": "100"}, {"kind": "rectify"},
                  {"kind": "rectify", "deadline": "2026-11-25"}, {"kind": "transfer"}, {"kind": "close"}):
        answer = client.post(f"{base}/actions", headers=disp, json=wrong)
        assert answer.status_code == 422, (wrong, answer.text)
    assert client.post(f"{base}/actions", headers=disp,
                       json={"kind": "penalty", "amount_yuan": 0, "case_number": "罚1"}).status_code == 201
    assert client.post(f"{base}/rechecks", headers=disp, json={
        "checked_at": "2026-11-26T09:00:00+08:00", "by": "张三", "result": "not_rectified"}).status_code == 422
    # a case in triage (no department) is not investigated
    triage = receive(content="我想问一下办事流程").subject
    assert client.post(f"/api/v1/cases/{triage}/investigation/checks", headers=auth("admin"),
                       json=good).status_code == 409


def test_cases_without_an_investigation_reply_as_before(client, auth, case_id):
    disp = auth("dispatcher", HOUSING)
    assert client.post(f"/api/v1/cases/{case_id}/reply", headers=disp,
                       json={"reply": "已责令工地停止夜间施工"}).status_code == 200
    assert client.get(f"/api/v1/cases/{case_id}", headers=disp).json()["investigation"] is None


def test_after_a_transfer_the_new_department_carries_on_with_the_file(client, auth, case_id, outbox):
    old, new, sup = auth("dispatcher", HOUSING), auth("dispatcher", "ecology_env"), auth("supervisor")
    base = f"/api/v1/cases/{case_id}/investigation"
    assert client.post(f"{base}/checks", headers=old, json={"checked_at": "2026-11-26T10:30:00+08:00",
                                                            "by": "张三"}).status_code == 201
    moved = client.post(f"/api/v1/cases/{case_id}/transfer", headers=sup,
                        json={"department": "ecology_env", "reason": "属于工业噪声"})
    assert moved.status_code == 200, moved.text
    assert client.get(base, headers=old).status_code == 404
    assert client.post(f"{base}/finding", headers=new, json={"finding": "partly"}).status_code == 200
    kept = client.get(base, headers=new).json()
    assert [c["by"] for c in kept["checks"]] == ["张三"] and kept["finding"] == "partly"
    finding = [json.loads(r.payload)["data"] for r in outbox(case_id) if r.type.endswith("investigation.finding.v1")]
    assert finding[-1]["department"] == "ecology_env"
