"""What the desk page (/desk) reads: a department's queue with filters, paging and countdowns in working
time, the pending extension requests, the case page, and cheap polling (ETag → 304)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

DEPT = "ecology_env"
HOUR = 3600
WORKING_DAY = 24 * HOUR


@pytest.fixture
def dispatcher(auth):
    return auth("dispatcher", DEPT, username="dispatcher-ecology")


@pytest.fixture
def supervisor(auth):
    return auth("supervisor", username="boss")


def _receive(receive, category: str, subcategory: str, town: str = "heyangcheng", **fields) -> str:
    """A complaint whose citizen chose its type (so the rules, not the classifier, pick the department)."""
    content = fields.pop("content", "附近工厂排放的问题一直没有解决，请尽快处理")
    return receive(content=content, category=category, subcategory=subcategory, town=town, **fields).subject


def _queue(client, headers, **params):
    response = client.get(f"/api/v1/queues/{DEPT}", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _ids(body) -> list[str]:
    return [c["id"] for c in body["cases"]]


def test_a_queue_row_counts_down_in_working_time_across_a_weekend(client, receive, dispatcher, clock):
    case_id = _receive(receive, "noise", "industrial")  # Thursday 10:00; reply due 5 working days later
    clock.advance(timedelta(days=2, hours=2))  # Saturday 12:00

    row = _queue(client, dispatcher)["cases"][0]

    assert row["id"] == case_id and row["reply_due"].startswith("2026-12-03T10:00:00")
    # Monday, Tuesday, Wednesday and Thursday until 10:00 are left: the weekend does not count
    assert row["working_seconds_left"]["reply"] == 3 * WORKING_DAY + 10 * HOUR
    assert row["seconds_left"]["reply"] == 4 * WORKING_DAY + 22 * HOUR
    # the next deadline is the sign-for one (Friday 10:00), missed by now: two hours of Friday's working time
    assert row["deadline"]["kind"] == "accept" and row["deadline"]["state"] == "overdue"
    assert row["deadline"]["working_seconds_left"] == -14 * HOUR
    assert row["can_return"] is True  # the return window runs to Monday 10:00


def test_the_queue_is_sorted_by_the_next_deadline(client, receive, dispatcher, clock):
    first = _receive(receive, "noise", "industrial")  # sign for by Friday 10:00
    clock.advance(timedelta(hours=1))
    urgent = _receive(receive, "air", "industrial_emission", urgent=True)  # sign for and reply by Friday 11:00

    assert _ids(_queue(client, dispatcher)) == [first, urgent]

    client.post(f"/api/v1/cases/{first}/accept", headers=dispatcher)  # now due: its reply, next Thursday

    assert _ids(_queue(client, dispatcher)) == [urgent, first]


def test_the_queue_filters_by_type_town_status_and_deadline(client, receive, dispatcher, clock):
    noise = _receive(receive, "noise", "industrial", town="heyangcheng")
    clock.advance(timedelta(hours=20))  # Friday 06:00: the first case has used 20/24 of its sign-for time
    odor = _receive(receive, "odor", "industrial", town="taihe")
    client.post(f"/api/v1/cases/{odor}/accept", headers=dispatcher)

    assert _ids(_queue(client, dispatcher, category="noise")) == [noise]
    assert _ids(_queue(client, dispatcher, category="odor", subcategory="industrial")) == [odor]
    assert _ids(_queue(client, dispatcher, town="taihe")) == [odor]
    assert _ids(_queue(client, dispatcher, status="accepted")) == [odor]
    assert _ids(_queue(client, dispatcher, due="soon")) == [noise]
    assert _ids(_queue(client, dispatcher, due="overdue")) == []

    clock.advance(timedelta(hours=5))  # Friday 11:00: the first case's sign-for deadline has passed

    assert _ids(_queue(client, dispatcher, due="overdue")) == [noise]
    assert _ids(_queue(client, dispatcher, due="soon")) == []
    assert _queue(client, dispatcher, due="overdue")["cases"][0]["deadline"]["state"] == "overdue"


def test_the_queue_comes_a_page_at_a_time(client, receive, dispatcher, clock):
    ids = []
    for _ in range(3):
        ids.append(_receive(receive, "water", "sewage_discharge"))
        clock.advance(timedelta(minutes=5))

    first = _queue(client, dispatcher, limit=2)
    second = _queue(client, dispatcher, limit=2, offset=first["next_offset"])

    assert (first["count"], first["next_offset"], _ids(first)) == (3, 2, ids[:2])
    assert (second["count"], second["next_offset"], _ids(second)) == (3, None, ids[2:])


def test_a_queue_row_shows_its_pending_extension_request(client, receive, dispatcher):
    case_id = _receive(receive, "noise", "industrial")
    client.post(f"/api/v1/cases/{case_id}/extension", json={"working_days": 2, "reason": "需要委托第三方监测"},
                headers=dispatcher)

    row = _queue(client, dispatcher)["cases"][0]

    assert row["pending_extension"]["working_days"] == 2
    assert row["pending_extension"]["requested_by"] == "dispatcher-ecology"


@pytest.mark.parametrize("params", [
    {"limit": 0}, {"limit": 101}, {"limit": "ten"}, {"offset": -1}, {"offset": 100_001},
    {"status": "triage"}, {"category": "noises"}, {"category": "noise", "subcategory": "cooking_fumes"},
    {"subcategory": "industrial"}, {"town": "nowhere"}, {"town": "Taihe"}, {"town": "x" * 65},
    {"due": "later"}, {"due": "overdue", "status": "replied"},
])
def test_every_bad_query_parameter_is_a_422_with_a_message(client, receive, dispatcher, params):
    _receive(receive, "noise", "industrial")

    response = client.get(f"/api/v1/queues/{DEPT}", params=params, headers=dispatcher)

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["message"]


QUERY_VALUES = st.one_of(st.text(max_size=80), st.integers(-10**12, 10**12).map(str),
                         st.sampled_from(["", "noise", "taihe", "soon", "overdue", "replied", "50", "%00", "\x00"]))


def test_no_generated_queue_query_gets_a_server_error(client, receive, dispatcher):
    _receive(receive, "noise", "industrial")

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(params=st.dictionaries(st.sampled_from(["status", "category", "subcategory", "town", "due", "limit",
                                                   "offset"]), QUERY_VALUES, max_size=4))
    def ask(params):
        response = client.get(f"/api/v1/queues/{DEPT}", params=params, headers=dispatcher)
        assert response.status_code in (200, 422), (params, response.text)
        if response.status_code == 422:
            assert response.json()["error"]["message"]

    ask()


def test_polling_the_queue_with_its_etag_is_a_304_until_something_changes(client, receive, dispatcher, clock):
    first = client.get(f"/api/v1/queues/{DEPT}", headers=dispatcher)
    etag = first.headers["etag"]

    def poll(tag: str):
        return client.get(f"/api/v1/queues/{DEPT}", headers={**dispatcher, "If-None-Match": tag})

    unchanged = poll(etag)
    assert unchanged.status_code == 304 and unchanged.content == b"" and unchanged.headers["etag"] == etag

    case_id = _receive(receive, "noise", "industrial")  # a new case arrives
    arrived = poll(etag)
    assert arrived.status_code == 200 and _ids(arrived.json()) == [case_id]
    etag = arrived.headers["etag"]
    assert poll(etag).status_code == 304

    client.post(f"/api/v1/cases/{case_id}/extension", json={"working_days": 1, "reason": "需要现场复核"},
                headers=dispatcher)
    changed = poll(etag)  # a request adds to the case's history: the queue row changed
    assert changed.status_code == 200 and changed.json()["cases"][0]["pending_extension"] is not None
    etag = changed.headers["etag"]

    clock.advance(timedelta(minutes=1))  # countdowns moved: the list is sent again once a minute
    assert poll(etag).status_code == 200
    # another list (other parameters) has another version
    filtered = client.get(f"/api/v1/queues/{DEPT}", params={"category": "noise"}, headers=dispatcher)
    assert filtered.headers["etag"] != poll("x").headers["etag"]


def test_the_replied_list_is_polled_by_the_page_it_shows(client, receive, dispatcher):
    # a long list (every case a department ever replied): its version is the page's cases and the count
    def reply(case_id: str) -> None:
        client.post(f"/api/v1/cases/{case_id}/accept", headers=dispatcher)
        answer = client.post(f"/api/v1/cases/{case_id}/reply", json={"reply": "已处理"}, headers=dispatcher)
        assert answer.status_code < 300, answer.text

    for case_id in [_receive(receive, "noise", "industrial") for _ in range(2)]:
        reply(case_id)
    params = {"status": "replied", "limit": 1}
    page = client.get(f"/api/v1/queues/{DEPT}", params=params, headers=dispatcher)
    assert page.json()["count"] == 2 and page.json()["next_offset"] == 1
    etag = page.headers["etag"]

    def poll(offset: int = 0):
        return client.get(f"/api/v1/queues/{DEPT}", params={**params, "offset": offset},
                          headers={**dispatcher, "If-None-Match": etag})

    assert poll().status_code == 304
    assert poll(offset=1).status_code == 200  # another page, another version
    third = _receive(receive, "noise", "industrial")
    assert poll().status_code == 304  # an open case is not in this list
    reply(third)
    joined = poll()
    assert joined.status_code == 200 and joined.json()["count"] == 3


def test_a_case_leaving_the_queue_changes_its_version(client, receive, dispatcher):
    case_id = _receive(receive, "noise", "industrial")
    etag = client.get(f"/api/v1/queues/{DEPT}", headers=dispatcher).headers["etag"]

    client.post(f"/api/v1/cases/{case_id}/return", json={"reason": "不属于本部门"}, headers=dispatcher)

    after = client.get(f"/api/v1/queues/{DEPT}", headers={**dispatcher, "If-None-Match": etag})
    assert after.status_code == 200 and after.json()["count"] == 0


def test_the_case_page_says_what_may_be_done_and_shows_the_timeline(client, receive, dispatcher, clock):
    case_id = _receive(receive, "noise", "industrial")
    client.post(f"/api/v1/cases/{case_id}/accept", headers=dispatcher)

    detail = client.get(f"/api/v1/cases/{case_id}", headers=dispatcher).json()
    assert detail["can_return"] is True and detail["can_request_extension"] is True
    assert detail["extension_days_left"] == 10
    assert detail["deadline"]["kind"] == "reply"
    assert [(h["action"], h["actor"]) for h in detail["history"]] == [("assigned", "system"),
                                                                    ("accepted", "dispatcher-ecology")]
    assert detail["explanation"]  # the classifier's reasons for the dispatcher

    client.post(f"/api/v1/cases/{case_id}/extension", json={"working_days": 4, "reason": "需要委托第三方监测"},
                headers=dispatcher)
    clock.advance(timedelta(days=4, seconds=1))  # Monday 10:00 closed the return window

    detail = client.get(f"/api/v1/cases/{case_id}", headers=dispatcher).json()
    assert detail["can_return"] is False
    assert detail["can_request_extension"] is False  # one request at a time
    assert detail["extension_days_left"] == 6


def test_a_supervisor_sees_pending_extension_requests_until_decided(client, receive, dispatcher, supervisor):
    case_id = _receive(receive, "noise", "industrial")
    empty = client.get("/api/v1/extensions", headers=supervisor)
    assert empty.status_code == 200 and empty.json()["count"] == 0
    etag = empty.headers["etag"]
    assert client.get("/api/v1/extensions", headers={**supervisor, "If-None-Match": etag}).status_code == 304

    client.post(f"/api/v1/cases/{case_id}/extension", json={"working_days": 3, "reason": "需要第三方监测"},
                headers=dispatcher)
    listed = client.get("/api/v1/extensions", headers={**supervisor, "If-None-Match": etag})

    assert listed.status_code == 200
    body = listed.json()
    assert body["count"] == 1
    row = body["cases"][0]
    assert row["id"] == case_id and row["department_name"] == "区生态环境局"
    assert row["pending_extension"] == {"working_days": 3, "reason": "需要第三方监测",
                                        "requested_at": row["pending_extension"]["requested_at"],
                                        "requested_by": "dispatcher-ecology"}
    assert row["working_seconds_left"]["reply"] == 5 * WORKING_DAY

    client.post(f"/api/v1/cases/{case_id}/extension/approve", headers=supervisor)

    assert client.get("/api/v1/extensions", headers=supervisor).json()["count"] == 0
    assert client.get("/api/v1/extensions", headers=dispatcher).status_code == 403


def test_the_triage_list_counts_down_and_is_polled_the_same_way(client, receive, supervisor):
    etag = client.get("/api/v1/triage", headers=supervisor).headers["etag"]
    assert client.get("/api/v1/triage", headers={**supervisor, "If-None-Match": etag}).status_code == 304

    case_id = receive(content="你好，我想反映一个情况，请尽快联系我", town="taihe").subject
    listed = client.get("/api/v1/triage", headers={**supervisor, "If-None-Match": etag})

    assert listed.status_code == 200
    row = listed.json()["cases"][0]
    assert row["id"] == case_id
    assert row["deadline"]["kind"] == "assign" and row["deadline"]["working_seconds_left"] == WORKING_DAY


def test_a_supervisor_reads_any_department_queue_and_a_dispatcher_only_their_own(client, receive, auth, supervisor):
    _receive(receive, "noise", "industrial")

    assert client.get(f"/api/v1/queues/{DEPT}", headers=supervisor).json()["count"] == 1
    other = auth("dispatcher", "housing_construction")
    assert client.get(f"/api/v1/queues/{DEPT}", headers=other).status_code == 403
    assert client.get(f"/api/v1/queues/{DEPT}", headers={**other, "If-None-Match": "*"}).status_code == 403
    assert client.get("/api/v1/queues/no_such_department", headers=supervisor).status_code == 404


def test_an_assist_request_counts_down_in_working_time_across_a_weekend(client, receive, dispatcher, auth, clock):
    case_id = _receive(receive, "noise", "industrial")  # Thursday 10:00
    asked = client.post(f"/api/v1/cases/{case_id}/assists", headers=dispatcher,
                        json={"departments": ["urban_management"]})
    assert asked.status_code == 200, asked.text
    clock.advance(timedelta(days=2, hours=2))  # Saturday 12:00

    [assist] = client.get(f"/api/v1/cases/{case_id}", headers=dispatcher).json()["assists"]
    # 3 working days: Friday, Monday, Tuesday until 10:00 (before the lead's own reply deadline)
    assert assist["due"].startswith("2026-12-01T10:00:00")
    assert assist["seconds_left"] == 2 * WORKING_DAY + 22 * HOUR
    assert assist["working_seconds_left"] == WORKING_DAY + 10 * HOUR  # Monday, and Tuesday until 10:00
    helper = auth("dispatcher", "urban_management", username="dispatcher-urban")
    [row] = client.get("/api/v1/assists/urban_management", headers=helper).json()["cases"]
    assert row["assist"]["working_seconds_left"] == WORKING_DAY + 10 * HOUR


def test_the_case_page_says_whether_the_case_is_a_petition(client, receive, dispatcher, supervisor):
    case_id = _receive(receive, "noise", "industrial")
    assert client.get(f"/api/v1/cases/{case_id}", headers=dispatcher).json()["petition"] is None
    registered = client.post(f"/api/v1/cases/{case_id}/petition", headers=supervisor, json={})
    assert registered.status_code == 201, registered.text
    petition = client.get(f"/api/v1/cases/{case_id}", headers=dispatcher).json()["petition"]
    assert petition == {"number": registered.json()["number"], "status": "registered",
                        "status_label": "已登记，待受理告知", "next_due": registered.json()["next_due"]}


def _polled(client, path: str, headers, etag: str | None = None, **params):
    """A list as the desk polls it: 304 with the same ETag while nothing changed."""
    response = client.get(path, params=params, headers={**headers, **({"If-None-Match": etag} if etag else {})})
    assert response.status_code in (200, 304), response.text
    return response


def test_the_assist_list_the_backlog_and_the_extensions_are_polled_with_etags_a_page_at_a_time(
        client, receive, dispatcher, supervisor, auth, clock):
    helper = auth("dispatcher", "urban_management", username="dispatcher-urban")
    first, second = (_receive(receive, "noise", "industrial") for _ in range(2))
    for case_id in (first, second):
        asked = client.post(f"/api/v1/cases/{case_id}/assists", headers=dispatcher,
                            json={"departments": ["urban_management"]})
        assert asked.status_code == 200, asked.text
    path = "/api/v1/assists/urban_management"
    page = _polled(client, path, helper, limit=1)
    assert page.json()["count"] == 2 and page.json()["next_offset"] == 1 and len(page.json()["cases"]) == 1
    etag = page.headers["etag"]
    assert _polled(client, path, helper, etag, limit=1).status_code == 304
    assert _polled(client, path, helper, etag, limit=1, offset=1).status_code == 200  # another page, another tag
    shown = page.json()["cases"][0]["id"]
    answered = client.post(f"/api/v1/cases/{shown}/assist/reply", headers=helper,
                           json={"reply": "已配合现场核查，夜间施工已停止"})
    assert answered.status_code == 200, answered.text
    assert _polled(client, path, helper, etag, limit=1).status_code == 200  # the page's case changed
    assert client.get(path, headers={**auth("dispatcher", "housing_construction"), "If-None-Match": etag}
                      ).status_code == 403  # a tag does not open another department's list

    backlog = _polled(client, "/api/v1/backlog", supervisor)
    assert backlog.json()["count"] == 0
    etag = backlog.headers["etag"]
    assert _polled(client, "/api/v1/backlog", supervisor, etag).status_code == 304
    clock.advance(timedelta(days=40))  # both past their deadlines, received long ago: 积案
    late = _polled(client, "/api/v1/backlog", supervisor, etag, limit=1)
    assert late.status_code == 200 and late.json()["count"] == 2 and late.json()["next_offset"] == 1
    assert client.get("/api/v1/backlog", headers=dispatcher).status_code == 403

    for case_id in (first, second):
        requested = client.post(f"/api/v1/cases/{case_id}/extension", headers=dispatcher,
                                json={"working_days": 3, "reason": "需要第三方监测"})
        assert requested.status_code in (200, 201, 409), requested.text
    extensions = _polled(client, "/api/v1/extensions", supervisor, limit=1)
    body = extensions.json()
    assert body["limit"] == 1 and len(body["cases"]) <= 1 and body["offset"] == 0
    assert _polled(client, "/api/v1/extensions", supervisor, extensions.headers["etag"], limit=1).status_code == 304
    assert client.get("/api/v1/extensions", params={"limit": 0}, headers=supervisor).status_code == 422
