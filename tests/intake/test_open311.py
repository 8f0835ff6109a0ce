"""Open311 GeoReport v2 at /open311/v2, driven by a real GeoReport client (the `georeport` package, over HTTP
to intake served by uvicorn) for what it covers — services, service definitions, requests, one request, in
JSON and XML — and by form-encoded posts exactly as the spec shows them for reporting (the package cannot
POST) and for the error cases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
import requests
from georeport import GeoReport
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from services.intake.adapters.crypto import FieldCipher
from services.intake.adapters.tables import ComplaintRow
from services.intake.seed import DEMO_API_KEY
from shared.clock import SHANGHAI
from shared.contracts import events as ev
from shared.contracts.codes import CATEGORY_NAMES, SUBCATEGORIES
from shared.settings import DEMO_ENCRYPTION_KEY
from tests.intake.conftest import EXAMPLE, Intake, directory
from tests.processes import serve_in_thread

V2 = "/open311/v2"
PHONE = "13812345678"
TYPED_PHONE = "13987654321"  # a number a citizen wrote into the description
REPORT = {"api_key": DEMO_API_KEY, "service_code": "noise.construction",
          "description": f"合阳城街道某工地凌晨两点还在打桩，噪音太大，联系我{TYPED_PHONE}",
          "address_string": "合阳城街道南屏路88号工地", "email": "zhang@example.com", "device_id": "tt222111",
          "account_id": "123456", "first_name": "三", "last_name": "张", "phone": PHONE,
          "media_url": "http://example.com/photo.jpg", "attribute[WHISPAWN]": "123456"}


@pytest.fixture
def endpoint(intake: Intake) -> Iterator[str]:
    with serve_in_thread(intake.process.app) as base:
        yield base + V2


def post(intake: Intake, fmt: str = "json", **fields: str) -> Any:
    """POST requests as the spec shows it: application/x-www-form-urlencoded, attribute[code]=value."""
    return intake.client.post(f"{V2}/requests.{fmt}", data=fields,
                              headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})


def report(intake: Intake, **fields: str) -> str:
    response = post(intake, **{**REPORT, **fields})
    assert response.status_code == 201, response.text
    [created] = response.json()
    return created["service_request_id"]


def complaint_id(intake: Intake, tracking_code: str) -> str:
    with intake.engine.connect() as conn:
        return conn.execute(select(ComplaintRow.id).where(ComplaintRow.tracking_code == tracking_code)).scalar_one()


def stored(intake: Intake) -> int:
    with intake.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(ComplaintRow)).scalar_one()


def assign(intake: Intake, tracking_code: str, *, department: str = "housing_construction",
           reply_due: datetime | None = None) -> datetime:
    """Routing's assignment as it would publish it; returns the reply deadline."""
    now = intake.clock.now()
    due = reply_due or now + timedelta(days=15)
    intake.deliver(directory(now), ev.CaseAssignedV1(
        complaint_id=complaint_id(intake, tracking_code), tracking_code=tracking_code, department=department,
        category="noise", subcategory="construction", received_at=now, assign_due=now, assigned_at=now,
        accept_due=now + timedelta(days=1), return_due=now + timedelta(days=1), reply_due=due, rule="rule-1",
        by="system"))
    return due


def spec_error(response: Any, status: int) -> str:
    """The spec's error format: the status, and a JSON array of {code, description}."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    [error] = response.json()
    assert error["code"] == status and set(error) == {"code", "description"}
    return error["description"]


# --- discovery and services ----------------------------------------------------------------------------


def test_discovery_names_the_v2_endpoint_and_both_formats(intake):
    found = intake.client.get(f"{V2}/discovery.json")
    assert found.status_code == 200 and found.headers["content-type"] == "application/json; charset=utf-8"
    body = found.json()
    assert {"changeset", "contact", "key_service", "endpoints"} <= set(body)
    [endpoint] = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2") and endpoint["type"] == "production"
    assert set(endpoint["formats"]) == {"application/json", "text/xml"}
    xml = intake.client.get(f"{V2}/discovery.xml")
    assert xml.status_code == 200 and xml.headers["content-type"] == "text/xml; charset=utf-8"
    assert xml.text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert "<formats><format>application/json</format><format>text/xml</format></formats>" in xml.text


def test_the_service_list_is_our_categories_and_subcategories_in_chinese(endpoint):
    listed = GeoReport(endpoint).get_service_list()
    by_code = {service["service_code"]: service for service in listed}
    expected = {*CATEGORY_NAMES, *(f"{c}.{s}" for c, subs in SUBCATEGORIES.items() for s in subs)}
    assert set(by_code) == expected and len(listed) == len(expected)
    assert by_code["noise.construction"] == {
        "service_code": "noise.construction", "service_name": "建筑施工噪声", "group": "噪声",
        "description": "噪声 / 建筑施工噪声", "keywords": "建筑施工噪声, 噪声, noise, construction",
        "metadata": False, "type": "realtime"}
    assert by_code["soil"]["service_name"] == "土壤" and by_code["soil"]["group"] == "土壤"
    assert all(s["metadata"] is False and s["type"] == "realtime" for s in listed)


def test_the_service_list_in_xml_reads_the_same_through_the_client(endpoint):
    as_json = GeoReport(endpoint).get_service_list()
    as_xml = GeoReport(endpoint, output_format="xml").get_service_list()
    assert [s["service_code"] for s in as_xml] == [s["service_code"] for s in as_json]
    assert as_xml[0]["metadata"] == "false" and as_xml[0]["service_name"] == as_json[0]["service_name"]


def test_a_service_definition_has_no_attributes_and_an_unknown_code_is_404(endpoint, intake):
    client = GeoReport(endpoint)
    assert client.get_service_definition("noise.construction") == {"service_code": "noise.construction",
                                                                   "attributes": []}
    assert client.get_service_definition("soil") == {"service_code": "soil", "attributes": []}
    with pytest.raises(requests.HTTPError) as refused:
        client.get_service_definition("noise.fireworks")
    assert refused.value.response.status_code == 404
    assert "noise.fireworks" in spec_error(intake.client.get(f"{V2}/services/noise.fireworks.json"), 404)


def test_an_unknown_format_is_404_in_the_spec_format(intake):
    spec_error(intake.client.get(f"{V2}/services.csv"), 404)


# --- reporting ------------------------------------------------------------------------------------------


def test_a_form_post_with_the_key_creates_a_complaint_that_the_client_finds_by_id_and_in_the_list(intake,
                                                                                                endpoint):
    response = post(intake, **REPORT)
    assert response.status_code == 201 and response.headers["content-type"] == "application/json; charset=utf-8"
    [created] = response.json()
    assert set(created) == {"service_request_id", "service_notice", "account_id"}  # no token, no citizen link
    assert created["account_id"] is None and created["service_notice"]
    code = created["service_request_id"]
    assert stored(intake) == 1

    client = GeoReport(endpoint)
    found = client.get_service_request(code)
    assert found["service_request_id"] == code
    assert (found["status"], found["status_notes"]) == ("open", "已受理")
    assert (found["service_code"], found["service_name"]) == ("noise.construction", "建筑施工噪声")
    assert found["description"].startswith("合阳城街道某工地凌晨两点还在打桩")
    assert found["address"] == "合阳城街道南屏路88号工地" and found["lat"] is None and found["long"] is None
    assert found["requested_datetime"] == "2026-11-26T10:00:00+08:00"
    assert found["updated_datetime"] == "2026-11-26T10:00:00+08:00"
    assert found["agency_responsible"] is None and found["expected_datetime"] is None  # not assigned yet
    assert [r["service_request_id"] for r in client.get_service_requests()] == [code]
    assert client.get_service_requests(service_request_id=code) == [found]

    # The complaint is intake's own: the website's citizen view shows it, from the Open311 channel.
    view = intake.client.get(f"/api/v1/complaints/{code}", params={"phone_last4": PHONE[-4:]}).json()
    assert view["channel"] == "open311" and view["category"] == "noise" and view["subcategory"] == "construction"


def test_a_report_by_coordinates_and_an_xml_answer(intake, endpoint):
    response = post(intake, "xml", api_key=DEMO_API_KEY, service_code="air.dust", lat="29.9733", long="106.2765",
                    description="搅拌站扬尘很大，整条路都是灰")
    assert response.status_code == 201 and response.headers["content-type"] == "text/xml; charset=utf-8"
    assert "<service_requests><request><service_request_id>HC" in response.text
    assert "<account_id />" in response.text and "<token>" not in response.text
    found = GeoReport(endpoint, output_format="xml").get_service_request(
        response.text.split("<service_request_id>")[1].split("<")[0])
    assert (found["lat"], found["long"], found["service_code"]) == ("29.9733", "106.2765", "air.dust")
    assert found["address"] is None and found["status"] == "open"


def test_without_a_key_or_with_a_wrong_one_the_answer_is_403_and_nothing_is_stored(intake):
    missing = {k: v for k, v in REPORT.items() if k != "api_key"}
    assert "api_key" in spec_error(post(intake, **missing), 403)
    assert "api_key" in spec_error(post(intake, **{**REPORT, "api_key": "not-a-key"}), 403)
    assert "api_key" in spec_error(post(intake, **{**REPORT, "api_key": " "}), 403)
    xml = post(intake, "xml", **{**REPORT, "api_key": "not-a-key"})
    assert xml.status_code == 403 and xml.headers["content-type"] == "text/xml; charset=utf-8"
    assert "<errors><error><code>403</code><description>" in xml.text
    assert stored(intake) == 0 and intake.client.get(f"{V2}/requests.json").json() == []


def test_an_unknown_service_code_is_not_found_and_nothing_is_stored(intake):
    """The spec's POST errors: 404 for a service_code that is not found, 400 for one not provided."""
    assert "noise.fireworks" in spec_error(post(intake, **{**REPORT, "service_code": "noise.fireworks"}), 404)
    assert "service_code" in spec_error(post(intake, **{**REPORT, "service_code": ""}), 400)
    assert stored(intake) == 0


@pytest.mark.parametrize(("fields", "named"), [
    ({"description": ""}, "description"),
    ({"description": "吵"}, "description"),
    ({"description": "很" * 4001}, "description"),
    ({"address_string": "", "lat": "", "long": ""}, "location"),
    ({"address_string": "", "address_id": "545483"}, "address_id"),
    ({"lat": "29.97"}, "long"),
    ({"lat": "north", "long": "106.27"}, "lat"),
    ({"lat": "95", "long": "106.27"}, "lat"),
    ({"phone": "12345"}, "phone"),
])
def test_a_report_the_bureau_cannot_take_is_400_with_the_reason_and_stores_nothing(intake, fields, named):
    assert named in spec_error(post(intake, **{**REPORT, **fields}), 400)
    assert stored(intake) == 0


# --- requests: filters, window, states ------------------------------------------------------------------


def test_the_window_is_90_days_at_most_and_by_default(intake, endpoint):
    old = report(intake)
    intake.clock.advance(timedelta(days=91))
    new = report(intake, service_code="water.black_odorous", description="小区旁边的河沟发黑发臭")
    client = GeoReport(endpoint)
    assert [r["service_request_id"] for r in client.get_service_requests()] == [new]  # the last 90 days

    def found(**window: str) -> list[str]:
        return [r["service_request_id"] for r in client.get_service_requests(**window)]

    assert found(start_date="2026-11-26") == [old]  # 90 days from a start; a date is midnight in Chongqing
    assert found(end_date="2026-12-01T00:00:00+08:00") == [old]  # 90 days up to an end
    assert found(start_date="2026-11-26T02:00:00Z", end_date="2027-02-24T02:00:00Z") == [old]  # exactly 90 days
    assert found(start_date="2026-11-26T02:00:01Z", end_date="2027-02-24T10:00:00+08:00") == []
    assert found(start_date="2026-12-01T00:00:00Z", end_date="2027-02-26T00:00:00Z") == [new]

    too_long = intake.client.get(f"{V2}/requests.json",
                                 params={"start_date": "2026-11-26T02:00:00Z", "end_date": "2027-02-24T02:00:01Z"})
    assert "90" in spec_error(too_long, 400)
    reversed_ = intake.client.get(f"{V2}/requests.json",
                                  params={"start_date": "2027-02-01T00:00:00Z", "end_date": "2026-12-01T00:00:00Z"})
    spec_error(reversed_, 400)
    for bad in ("yesterday", "2026-11-26T10:00:00", "2026-13-01"):  # a time needs its zone (w3c)
        assert "start_date" in spec_error(intake.client.get(f"{V2}/requests.json", params={"start_date": bad}), 400)
    for edge in ({"start_date": "9999-12-31"}, {"end_date": "0001-01-01T00:00:00Z"},
                 {"start_date": "0001-01-01T00:00:00+08:00"}, {"end_date": "9999-12-31T23:00:00-12:00"}):
        spec_error(intake.client.get(f"{V2}/requests.json", params=edge), 400)
    with pytest.raises(requests.HTTPError) as refused:
        client.get_service_requests(start_date="2026-01-01T00:00:00Z", end_date="2026-12-01T00:00:00Z")
    assert refused.value.response.status_code == 400


def test_service_request_ids_override_every_other_filter(intake, endpoint):
    first = report(intake)
    second = report(intake, service_code="odor.cooking_fumes", description="楼下烧烤店油烟很大，熏得没法开窗")
    client = GeoReport(endpoint)
    both = client.get_service_requests(service_request_id=f"{first},{second.lower()},HC000000-NOTHERE",
                                       service_code="air.dust", status="closed", start_date="2020-01-01")
    assert {r["service_request_id"] for r in both} == {first, second}
    assert spec_error(intake.client.get(f"{V2}/requests/HC000000-NOTHERE.json"), 404)
    with pytest.raises(requests.HTTPError) as missing:
        client.get_service_request("HC000000-NOTHERE")
    assert missing.value.response.status_code == 404


def test_service_codes_filter_exactly_and_an_unknown_one_is_400(intake, endpoint):
    noise = report(intake)
    fumes = report(intake, service_code="odor.cooking_fumes", description="楼下烧烤店油烟很大，熏得没法开窗")
    category_only = report(intake, service_code="odor", description="不知道哪里来的臭味，晚上特别明显")
    client = GeoReport(endpoint)
    assert [r["service_request_id"] for r in client.get_service_requests(service_code="noise.construction")] \
        == [noise]
    assert {r["service_request_id"] for r in client.get_service_requests(service_code="odor.cooking_fumes,odor")} \
        == {fumes, category_only}
    repeated = intake.client.get(f"{V2}/requests.json?service_code=odor&service_code=noise.construction").json()
    assert {r["service_request_id"] for r in repeated} == {noise, category_only}
    assert "noise.fireworks" in spec_error(intake.client.get(f"{V2}/requests.json",
                                                             params={"service_code": "noise.fireworks"}), 400)


def test_assigned_requests_name_the_department_and_its_reply_deadline(intake, endpoint):
    code = report(intake)
    due = assign(intake, code)
    found = GeoReport(endpoint).get_service_request(code)
    assert found["agency_responsible"] == "区住房城乡建委"
    assert found["expected_datetime"] == due.astimezone(SHANGHAI).isoformat(timespec="seconds")
    assert datetime.fromisoformat(found["expected_datetime"]) == due
    assert (found["status"], found["status_notes"]) == ("open", "已交办")
    assert found["service_notice"]


def citizen_token(intake: Intake, tracking_code: str) -> str:
    """The private token intake keeps encrypted for the citizen (an Open311 client never receives it)."""
    with intake.engine.connect() as conn:
        sealed = conn.execute(select(ComplaintRow.citizen_token_enc)
                              .where(ComplaintRow.tracking_code == tracking_code)).scalar_one()
    token = FieldCipher(DEMO_ENCRYPTION_KEY).decrypt(sealed)
    assert token
    return token


def test_the_status_filter_folds_our_states_into_open_and_closed(intake, endpoint):
    waiting = report(intake)
    rated = report(intake, phone="13700001111")
    token = citizen_token(intake, rated)
    due = assign(intake, rated)
    now = intake.clock.now()
    intake.deliver(ev.CaseRepliedV1(complaint_id=complaint_id(intake, rated), tracking_code=rated,
                                    department="housing_construction", reply="已责令停止夜间施工", replied_at=now,
                                    reply_due=due, by="li"))
    replied = GeoReport(endpoint).get_service_request(rated)
    assert (replied["status"], replied["status_notes"]) == ("open", "已回复")  # replied, not yet rated: open
    intake.clock.advance(timedelta(hours=2))
    response = intake.client.post(f"/api/v1/r/{token}/rating", json={"rating": "satisfied", "resolution": "resolved"})
    assert response.status_code == 201, response.text

    client = GeoReport(endpoint)
    closed = client.get_service_requests(status="closed")
    assert [r["service_request_id"] for r in closed] == [rated]
    assert (closed[0]["status_notes"], closed[0]["updated_datetime"]) == ("已办结", "2026-11-26T12:00:00+08:00")
    assert closed[0]["service_code"] == "noise.construction" and closed[0]["address"] == REPORT["address_string"]
    assert [r["service_request_id"] for r in client.get_service_requests(status="open")] == [waiting]
    assert {r["service_request_id"] for r in client.get_service_requests(status="open,closed")} == {waiting, rated}
    assert "status" in spec_error(intake.client.get(f"{V2}/requests.json", params={"status": "pending"}), 400)


def test_complaints_made_on_other_channels_are_never_in_the_public_feed(intake, endpoint):
    """The feed is public: a web, hotline or WeChat complaint (a whistle-blower's, say) and its code stay out."""
    posted = report(intake)
    web = intake.report(content="请领导重视一下我们这里的问题")["tracking_code"]
    assert spec_error(intake.client.get(f"{V2}/requests/{web}.json"), 404)
    assert [r["service_request_id"] for r in GeoReport(endpoint).get_service_requests()] == [posted]
    listed = intake.client.get(f"{V2}/requests.json", params={"service_request_id": f"{posted},{web}"}).json()
    assert [r["service_request_id"] for r in listed] == [posted]


# --- no personal data ---------------------------------------------------------------------------------------


def test_no_phone_number_or_name_appears_anywhere_in_the_public_answers(intake, endpoint):
    code = report(intake)
    typed = report(intake, first_name="四", last_name="李", phone="13600002222",
                   description=f"{EXAMPLE['content']}，我的电话 023-42812345，身份证 500382199001011234")
    assign(intake, code)
    bodies = [intake.client.get(f"{V2}/{path}").text for path in (
        "requests.json", "requests.xml", f"requests/{code}.json", f"requests/{code}.xml",
        f"requests/{typed}.json", f"requests.json?service_request_id={code},{typed}")]
    for body in bodies:
        for secret in (PHONE, TYPED_PHONE, "13600002222", "42812345", "500382199001011234", "张三", "李四",
                       "zhang@example.com", "tt222111", "123456", "example.com/photo"):
            assert secret not in body
    [found] = intake.client.get(f"{V2}/requests/{typed}.json").json()
    assert "我的电话 ********2345，身份证 **************1234" in found["description"]
    assert found["description"].startswith(EXAMPLE["content"])


# --- whatever a client sends: the spec's answer, never a 500 ---------------------------------------------------

junk = st.text(max_size=30) | st.sampled_from(["", " ", "\x00", "nan", "inf", "-1e400", "HC261126-ABCDEFGH", "…"])
form_fields = st.fixed_dictionaries({}, optional={
    "api_key": st.sampled_from([DEMO_API_KEY, "", "wrong", "\x00"]) | junk,
    "service_code": st.sampled_from(["noise", "noise.construction", "odor.", ".", "noise.fireworks"]) | junk,
    "description": st.sampled_from(["工地夜间施工噪音太大", "\x00" * 8, "很" * 4001]) | junk,
    "lat": st.sampled_from(["29.97", "95", "nan"]) | junk, "long": st.sampled_from(["106.27", "-inf"]) | junk,
    "address_string": st.sampled_from(["合阳城街道南屏路88号", "\x00\x01"]) | junk, "address_id": junk,
    "phone": st.sampled_from(["13812345678", "+86 138 1234 5678", "023-42812345", "12"]) | junk,
    "first_name": junk, "last_name": junk, "email": junk, "attribute[x]": junk,
})
query_params = st.fixed_dictionaries({}, optional={
    "service_request_id": st.sampled_from(["HC261126-ABCDEFGH", ",,", "\x00", "a" * 500, ",".join("x" * 101)]) | junk,
    "service_code": st.sampled_from(["noise", "noise,odor.garbage", "noise.fireworks"]) | junk,
    "start_date": st.sampled_from(["2026-11-01", "2026-11-01T00:00:00Z", "2026-02-30", "0000-01-01", "9999-12-31",
                                   "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+08:00"]) | junk,
    "end_date": st.sampled_from(["2026-12-01T00:00:00+08:00", "9999-12-31T23:59:59Z", "2026-11-26T10:00Z",
                                 "0001-01-01T00:00:00Z", "2026-11-26T10:00:00-12:00"]) | junk,
    "status": st.sampled_from(["open", "closed", "open,closed", "pending"]) | junk,
})
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _spec_answer(response: Any, fmt: str) -> None:
    assert response.status_code in {200, 201, 400, 403, 404}, response.text
    if fmt == "xml":
        assert response.headers["content-type"] == "text/xml; charset=utf-8"
        return
    body = response.json()
    assert isinstance(body, list)
    if response.status_code >= 400:
        assert body and all(e["code"] == response.status_code and e["description"] for e in body)


@FUZZ
@given(fields=form_fields, fmt=st.sampled_from(["json", "xml"]))
def test_any_post_gets_201_or_the_spec_error_format(intake, fields, fmt):
    before = stored(intake)
    response = post(intake, fmt, **fields)
    _spec_answer(response, fmt)
    assert stored(intake) == before + (response.status_code == 201)


@FUZZ
@given(params=query_params, single=junk, code=junk, fmt=st.sampled_from(["json", "xml"]))
def test_any_query_gets_its_answer_or_the_spec_error_format(intake, params, single, code, fmt):
    _spec_answer(intake.client.get(f"{V2}/requests.{fmt}", params=params), fmt)
    for path in (f"requests/{quote(single, safe='')}.{fmt}", f"services/{quote(code, safe='')}.{fmt}"):
        _spec_answer(intake.client.get(f"{V2}/{path}"), fmt)
