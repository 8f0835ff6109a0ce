"""信访件 over HTTP, the whole system embedded: a supervisor registers a case as a petition and takes it
through acceptance, one extension, the reply, a review and a re-review to its end; every step's document
downloads as a .docx that python-docx opens, with the bureau, the number, the masked petitioner, the
tracking code, the decision and its dates; requests outside their windows are refused; who may do what."""

from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import quote

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tests.e2e.test_walking_skeleton import EXAMPLE

DEPARTMENT = "housing_construction"
PHONE = "13912345678"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def case(system) -> dict:
    """A complaint with a phone number, routed to housing_construction."""
    accepted = system.report(**EXAMPLE, reporter={"phone": PHONE})
    system.drain()
    return accepted


@pytest.fixture
def supervisor(system) -> dict[str, str]:
    return system.login("supervisor")


def post(system, case_id: str, step: str, body: dict, headers: dict[str, str], status: int = 200) -> dict:
    response = system.client.post(f"/api/v1/cases/{case_id}/petition/{step}", json=body, headers=headers)
    assert response.status_code == status, response.text
    return response.json()


def document_text(system, url: str, headers: dict[str, str]) -> str:
    """The downloaded .docx opened with python-docx: every paragraph and table cell, one per line."""
    response = system.client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == DOCX
    opened = docx.Document(io.BytesIO(response.content))
    cells = [cell.text for table in opened.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in opened.paragraphs] + cells)


def test_a_petition_goes_the_whole_way_and_every_step_has_its_document(system, case, supervisor):
    case_id, code = case["id"], case["tracking_code"]
    registered = system.client.post(f"/api/v1/cases/{case_id}/petition", headers=supervisor,
                                    json={"received_at": "2026-11-25", "petitioner_note": "来信反映"})
    assert registered.status_code == 201, registered.text
    petition = registered.json()
    assert (petition["status"], petition["number"], petition["tracking_code"]) == ("registered", "合环信〔2026〕1号",
                                                                                   code)
    assert petition["petitioner"] == "139****5678" and petition["received_on"] == "2026-11-25"
    assert petition["deadlines"]["acceptance_due"] == "2026-12-10" and petition["next_due"] == "2026-12-10"
    assert [n["action"] for n in petition["next"]] == ["acceptance"]

    system.clock.advance(timedelta(days=3))  # 29 Nov
    petition = post(system, case_id, "acceptance", {"accepted": True, "reason": "属于本机关职责，予以受理"}, supervisor)
    assert petition["status"] == "accepted" and petition["deadlines"]["reply_due"] == "2027-01-28"
    assert {n["action"] for n in petition["next"]} == {"reply", "extension"}
    petition = post(system, case_id, "extension", {"days": 30, "reason": "需要委托第三方检测噪声"}, supervisor)
    assert petition["deadlines"]["reply_due"] == "2027-02-27" and petition["extension_days"] == 30
    post(system, case_id, "extension", {"days": 5, "reason": "再延期"}, supervisor, status=409)  # only once

    system.clock.advance(timedelta(days=70))  # 7 Feb 2027: within the extended time
    reply = {"text": "经检测，施工噪声超标，已责令停止夜间施工并处罚款。"}
    petition = post(system, case_id, "reply", reply, supervisor)
    assert petition["status"] == "replied" and petition["window_until"] == "2027-03-09"
    assert petition["next"] == [{"action": "review-request", "label": "信访人请求复查", "by": "petitioner",
                                 "due": None, "until": "2027-03-09"}]
    system.clock.advance(timedelta(days=30))  # the last day of the window
    petition = post(system, case_id, "review-request", {"text": "认为处罚过轻，请求复查"}, supervisor)
    assert petition["status"] == "review_requested" and petition["deadlines"]["review_due"] == "2027-04-08"
    system.clock.advance(timedelta(days=12))
    petition = post(system, case_id, "review", {"text": "经复查，原处理意见适当，予以维持。"}, supervisor)
    assert petition["status"] == "reviewed" and petition["window_until"] == "2027-04-20"
    system.clock.advance(timedelta(days=20))
    petition = post(system, case_id, "rereview-request", {"text": "仍不服，请求复核"}, supervisor)
    assert petition["deadlines"]["rereview_due"] == "2027-05-10"
    system.clock.advance(timedelta(days=31))  # one day late: still taken, marked late
    petition = post(system, case_id, "rereview", {"text": "经复核，维持复查意见。"}, supervisor)

    assert petition["status"] == "closed" and petition["final"] and petition["next"] == []
    steps = petition["steps"]
    assert [s["step"] for s in steps] == ["registered", "accepted", "extended", "replied", "review_requested",
                                          "reviewed", "rereview_requested", "rereviewed"]
    assert [s["late"] for s in steps] == [False] * 7 + [True]
    assert all(s["actor"] == "supervisor" and s["at"] for s in steps)
    assert steps[-1]["due"] == "2027-05-10" and steps[-1]["due_label"] == "复核意见期限"

    texts = {s["step"]: document_text(system, s["document"]["url"], supervisor) for s in steps}
    for step, content in texts.items():
        for expected in ("合川区生态环境局", "合环信〔2026〕1号", code, "139****5678", "2026年11月25日"):
            assert expected in content, (step, expected)
        assert PHONE not in content and "来信反映" not in content, step
    assert "信访事项受理告知书" in texts["accepted"] and "属于本机关职责，予以受理" in texts["accepted"]
    assert "2027年1月28日" in texts["accepted"]  # the reply deadline it set
    assert "信访事项延期办理告知书" in texts["extended"] and "需要委托第三方检测噪声" in texts["extended"]
    assert "延长30日" in texts["extended"] and "2027年2月27日" in texts["extended"]
    assert "信访事项处理意见书" in texts["replied"] and "已责令停止夜间施工" in texts["replied"]
    assert "2027年3月9日" in texts["replied"] and "请求复查" in texts["replied"]
    assert "信访事项复查意见书" in texts["reviewed"] and "原处理意见适当" in texts["reviewed"]
    assert "信访事项复核意见书" in texts["rereviewed"] and "终结意见" in texts["rereviewed"]

    response = system.client.get(steps[3]["document"]["url"], headers=supervisor)
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;") and f'filename="petition-{code}-4.docx"' in disposition
    assert "filename*=UTF-8''" + quote("合环信〔2026〕1号-4-信访事项处理意见书.docx") in disposition
    assert response.headers["cache-control"] == "no-store"

    with system.engine.connect() as conn:
        types = conn.execute(text("SELECT type FROM event_outbox WHERE key = :id AND type LIKE :t ORDER BY position"),
                             {"id": case_id, "t": "hechuan.complaints.petition.%"}).scalars().all()
    assert types == ["hechuan.complaints.petition.registered.v1"] + ["hechuan.complaints.petition.step.v1"] * 7
    system.drain()  # every consumer takes (or skips) the new events without parking any
    with system.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM event_dead_letter")).scalar_one() == 0


def test_requests_outside_their_windows_are_refused_with_a_clear_error(system, case, supervisor):
    case_id = case["id"]
    assert system.client.post(f"/api/v1/cases/{case_id}/petition", headers=supervisor).status_code == 201
    post(system, case_id, "acceptance", {"accepted": True}, supervisor)
    system.clock.advance(timedelta(days=61))  # the reply deadline has passed: too late to extend
    refused = post(system, case_id, "extension", {"days": 10, "reason": "需要监测"}, supervisor, status=409)
    assert refused["error"]["code"] == "petition_window_closed"
    late_reply = post(system, case_id, "reply", {"text": "已处理完毕"}, supervisor)  # late, but the bureau must answer
    assert late_reply["steps"][-1]["late"] is True

    system.clock.advance(timedelta(days=31))
    refused = post(system, case_id, "review-request", {"text": "请求复查"}, supervisor, status=409)
    assert refused["error"]["code"] == "petition_window_closed"
    assert "复查请求期限已过" in refused["error"]["message"] and "window closed" in refused["error"]["message"]
    assert post(system, case_id, "rereview-request", {"text": "请求复核"}, supervisor, status=409)
    assert post(system, case_id, "review", {"text": "复查意见"}, supervisor, status=409)
    petition = system.client.get(f"/api/v1/cases/{case_id}/petition", headers=supervisor).json()
    assert petition["status"] == "replied" and petition["final"] and len(petition["steps"]) == 3


def test_not_accepting_needs_a_reason_and_closes_the_file(system, case, supervisor):
    case_id = case["id"]
    system.client.post(f"/api/v1/cases/{case_id}/petition", headers=supervisor)
    missing = post(system, case_id, "acceptance", {"accepted": False}, supervisor, status=422)
    assert "理由" in missing["error"]["message"]
    refusal = {"accepted": False, "reason": "该事项已进入行政复议程序"}
    petition = post(system, case_id, "acceptance", refusal, supervisor)
    assert petition["status"] == "not_accepted" and petition["final"]
    content = document_text(system, petition["steps"][-1]["document"]["url"], supervisor)
    assert "信访事项不予受理告知书" in content and "不予受理的理由：该事项已进入行政复议程序" in content
    assert post(system, case_id, "reply", {"text": "答复"}, supervisor, status=409)["error"]["code"] == \
        "petition_step_refused"


@pytest.mark.parametrize(("path", "body"), [
    ("acceptance", {"accepted": "yes"}),
    ("acceptance", {"accepted": True, "reason": "\u200b\u200b\u200b"}),  # nothing visible
    ("acceptance", {"accepted": True, "extra": 1}),
    ("extension", {"days": 0, "reason": "需要监测"}),
    ("extension", {"days": 31, "reason": "需要监测"}),
    ("extension", {"days": "10", "reason": "需要监测"}),
    ("extension", {"days": 10}),
    ("reply", {"text": "x"}),
    ("reply", {"text": "长" * 5001}),
    ("reply", {}),
    ("review-request", {"text": None}),
])
def test_bodies_are_validated_with_a_4xx_in_chinese_and_english(system, case, supervisor, path, body):
    case_id = case["id"]
    system.client.post(f"/api/v1/cases/{case_id}/petition", headers=supervisor)
    if path == "extension":
        post(system, case_id, "acceptance", {"accepted": True}, supervisor)
    response = system.client.post(f"/api/v1/cases/{case_id}/petition/{path}", json=body, headers=supervisor)
    assert response.status_code == 422, response.text
    message = response.json()["error"]["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message) and any(ch.isascii() and ch.isalpha() for ch in message)


def test_registration_refusals(system, case, supervisor):
    case_id = case["id"]
    future = system.client.post(f"/api/v1/cases/{case_id}/petition", headers=supervisor,
                                json={"received_at": "2026-11-27"})
    assert future.status_code == 422 and future.json()["error"]["code"] == "petition_invalid"
    for body in ({"received_at": "yesterday"}, {"petitioner_note": ""}, {"number": "1"}):
        assert system.client.post(f"/api/v1/cases/{case_id}/petition", headers=supervisor, json=body
                                  ).status_code == 422, body
    assert system.client.post("/api/v1/cases/no-such-case/petition", headers=supervisor).status_code == 404
    assert system.client.post(f"/api/v1/cases/{case_id}/petition", headers=supervisor).status_code == 201
    again = system.client.post(f"/api/v1/cases/{case_id}/petition", headers=supervisor)
    assert again.status_code == 409 and again.json()["error"]["code"] == "petition_exists"
    other = system.report(**EXAMPLE)
    system.drain()
    assert system.client.get(f"/api/v1/cases/{other['id']}/petition", headers=supervisor).status_code == 404
    assert post(system, other["id"], "acceptance", {"accepted": True}, supervisor, status=404)
    missing_step = system.client.get(f"/api/v1/cases/{case_id}/petition/documents/9.docx", headers=supervisor)
    assert missing_step.status_code == 404
    assert system.client.get(f"/api/v1/cases/{case_id}/petition/documents/x.docx", headers=supervisor
                             ).status_code == 422


def test_who_may_do_what(system, case, supervisor):
    case_id = case["id"]
    own = system.login(f"dispatcher-{DEPARTMENT}")
    other = system.login("dispatcher-ecology_env")
    operator, admin = system.login("operator"), system.login("admin")
    register = f"/api/v1/cases/{case_id}/petition"

    assert system.client.post(register).status_code == 401
    for who in (own, other, operator):
        assert system.client.post(register, headers=who).status_code == 403
    assert system.client.post(register, headers=supervisor).status_code == 201

    document = f"/api/v1/cases/{case_id}/petition/documents/1.docx"
    for who in (supervisor, admin, own):  # the case's department's dispatcher reads the file and its documents
        assert system.client.get(register, headers=who).status_code == 200
        assert system.client.get(document, headers=who).status_code == 200
    for path in (register, document):
        assert system.client.get(path, headers=other).status_code == 404  # another department's: as if absent
        assert system.client.get(path, headers=operator).status_code == 403
        assert system.client.get(path).status_code == 401

    for who, status in ((own, 403), (other, 403), (operator, 403), (None, 401)):
        response = system.client.post(f"{register}/acceptance", json={"accepted": True}, headers=who or {})
        assert response.status_code == status
    assert post(system, case_id, "acceptance", {"accepted": True}, admin)["steps"][-1]["actor"] == "admin"

    assert system.client.get("/api/v1/petitions", headers=supervisor).status_code == 200
    for who, status in ((own, 403), (operator, 403), (None, 401)):
        assert system.client.get("/api/v1/petitions", headers=who or {}).status_code == status


def test_the_supervisors_list_by_nearest_deadline(system, supervisor):
    ids = []
    for received in ("2026-11-08", "2026-11-12", None):  # acceptance due 23 Nov (overdue), 27 Nov (soon), 11 Dec
        accepted = system.report(**EXAMPLE)
        system.drain()
        body = {"received_at": received} if received else {}
        assert system.client.post(f"/api/v1/cases/{accepted['id']}/petition", headers=supervisor,
                                  json=body).status_code == 201
        ids.append(accepted["id"])

    listed = system.client.get("/api/v1/petitions", headers=supervisor).json()
    assert [p["complaint_id"] for p in listed["petitions"]] == ids and listed["total"] == 3
    assert listed["petitions"][0]["overdue"] is True and listed["petitions"][0]["department"] == DEPARTMENT
    overdue = system.client.get("/api/v1/petitions?due=overdue", headers=supervisor).json()
    soon = system.client.get("/api/v1/petitions?due=soon", headers=supervisor).json()
    assert [p["complaint_id"] for p in overdue["petitions"]] == ids[:1]
    assert [p["complaint_id"] for p in soon["petitions"]] == ids[1:2]
    page = system.client.get("/api/v1/petitions?status=registered&limit=1&offset=2", headers=supervisor).json()
    assert page["total"] == 3 and [p["complaint_id"] for p in page["petitions"]] == ids[2:]
    for query in ("due=later", "status=open", "limit=0", "limit=101", "offset=-1"):
        response = system.client.get(f"/api/v1/petitions?{query}", headers=supervisor)
        assert response.status_code == 422, query

    system.clock.advance(timedelta(days=16))  # 12 Dec: now the third is overdue too
    overdue = system.client.get("/api/v1/petitions?due=overdue", headers=supervisor).json()
    assert [p["complaint_id"] for p in overdue["petitions"]] == ids


GENERATED = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ALLOWED = {200, 201, 400, 401, 403, 404, 409, 413, 415, 422}
anything = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=30),
                        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                     max_size=3), max_leaves=5)
petition_bodies = {
    "": st.fixed_dictionaries({}, optional={"received_at": st.sampled_from(["2026-11-20", "2026-13-01", "今天", ""])
                                            | anything, "petitioner_note": st.text(max_size=20)}),
    "/acceptance": st.fixed_dictionaries({"accepted": st.booleans() | anything},
                                         optional={"reason": st.text(max_size=20) | anything}),
    "/extension": st.fixed_dictionaries({"days": st.integers(-5, 40) | anything, "reason": st.text(max_size=20)}),
    **{f"/{step}": st.fixed_dictionaries({"text": st.text(max_size=20) | anything})
       for step in ("reply", "review-request", "review", "rereview-request", "rereview")},
}


def test_no_generated_petition_request_gets_a_server_error(system, supervisor):
    cases = []
    for _ in range(3):
        cases.append(system.report(**EXAMPLE)["id"])
    system.drain()
    outcomes: set[int] = set()

    @GENERATED
    @given(index=st.integers(0, len(cases)), step=st.sampled_from(sorted(petition_bodies)), data=st.data(),
           days=st.integers(0, 40))
    def act(index, step, data, days):
        case_id = cases[index] if index < len(cases) else "no-such-case"
        body = data.draw(petition_bodies[step] | anything)
        response = system.client.post(f"/api/v1/cases/{case_id}/petition{step}", json=body, headers=supervisor)
        assert response.status_code in ALLOWED, (step, body, response.text)
        if response.status_code >= 400:
            assert response.json()["error"]["message"]
        outcomes.add(response.status_code)
        system.clock.advance(timedelta(days=days))  # the windows open and close as time goes by
        for path in (f"/api/v1/cases/{case_id}/petition", f"/api/v1/cases/{case_id}/petition/documents/{days}.docx",
                     f"/api/v1/petitions?due={data.draw(st.sampled_from(['overdue', 'soon', 'x']))}"):
            assert system.client.get(path, headers=supervisor).status_code in ALLOWED, path

    act()
    assert {200, 201} & outcomes, "no generated request ever succeeded: the handlers went untested"
