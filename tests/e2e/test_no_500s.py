"""Bad input gets a 4xx and loses nothing, whatever it is: generated requests against the public paths."""

from __future__ import annotations

import json
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ALLOWED = {200, 201, 400, 401, 403, 404, 409, 413, 415, 422}

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=60))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                            max_size=3), max_leaves=6)
COMPLAINT_FIELDS = ["content", "channel", "category", "subcategory", "town", "address", "lat", "lon", "occurred_at",
                    "urgent", "reporter"]
plausible = {
    "content": st.text(min_size=0, max_size=40) | st.sampled_from(["工地夜间施工噪音太大", "\u0000" * 6]),
    "channel": st.sampled_from(["web", "app", "fax", ""]),
    "town": st.sampled_from(["合阳城街道", "taihe", "火星", ""]),
    "category": st.sampled_from(["noise", "odor", "nope"]),
    "occurred_at": st.sampled_from(["2026-11-26T08:00:00", "2026-11-26T08:00:00+08:00", "yesterday", "9999-12-31"]),
    "reporter": st.fixed_dictionaries({}, optional={"name": scalars, "phone": st.sampled_from(["13812341234", "1"]),
                                                    "anonymous": scalars}),
}
complaint_bodies = st.fixed_dictionaries({}, optional={f: plausible.get(f, values) | values for f in COMPLAINT_FIELDS})
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SLOW
@given(body=complaint_bodies)
def test_no_generated_complaint_gets_a_server_error(system, body):
    response = system.client.post("/api/v1/complaints", content=json.dumps(body),
                                  headers={"content-type": "application/json"})
    assert response.status_code in ALLOWED, (body, response.text)
    if response.status_code >= 400:
        assert response.json()["error"]["message"]


@SLOW
@given(body=values, action=st.sampled_from(["accept", "reply", "return", "extension", "assign"]))
def test_no_generated_case_action_gets_a_server_error(system, body, action):
    headers = system.login("supervisor")
    response = system.client.post(f"/api/v1/cases/some-case/{action}", json=body, headers=headers)
    assert response.status_code in ALLOWED, (action, body, response.text)


@SLOW
@given(code=st.text(max_size=40), rating=values)
def test_no_generated_rating_or_lookup_gets_a_server_error(system, code, rating):
    code = quote(code, safe="") or "x"  # any text, percent-encoded as a client would send it
    assert system.client.get(f"/api/v1/complaints/{code}").status_code in ALLOWED
    response = system.client.post(f"/api/v1/complaints/{code}/rating", json=rating)
    assert response.status_code in ALLOWED, (code, rating, response.text)
