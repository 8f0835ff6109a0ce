"""`complaints serve all` as a real process: the skeleton's path over loopback HTTP, Ctrl-C, restart."""

from __future__ import annotations

import httpx

from tests.processes import ServedProcess
from tests.waiting import wait_for

EXAMPLE = {"channel": "web", "content": "合阳城街道某工地凌晨两点还在打桩，噪音太大", "town": "合阳城街道"}


def token(client: httpx.Client, username: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": "demo"})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_the_embedded_process_routes_a_complaint_and_keeps_it_across_a_restart(database_url):
    env = {"DATABASE_URL": database_url, "EMBEDDED_POLL_INTERVAL": "0.05"}
    with ServedProcess("all", env) as server, httpx.Client(base_url=server.base_url, timeout=10) as client:
        accepted = client.post("/api/v1/complaints", json=EXAMPLE)
        assert accepted.status_code == 201
        case_id, code = accepted.json()["id"], accepted.json()["tracking_code"]
        dispatcher = token(client, "dispatcher-housing_construction")

        def in_queue():
            cases = client.get("/api/v1/queues/housing_construction", headers=dispatcher).json()["cases"]
            return next((c for c in cases if c["id"] == case_id), None)

        case = wait_for(in_queue, 15, "the case in the department queue")
        assert (case["category"], case["subcategory"]) == ("noise", "construction")
        assert client.post(f"/api/v1/cases/{case_id}/reply", headers=dispatcher,
                           json={"reply": "已责令停止夜间施工"}).status_code == 200
        wait_for(lambda: client.get(f"/api/v1/complaints/{code}").json()["status"] == "replied", 15, "the reply")
        assert client.get("/healthz").status_code == 200 and "http_request_seconds" in client.get("/metrics").text
        assert server.stop() == 0, server.log()[-2000:]

    with ServedProcess("all", env) as again, httpx.Client(base_url=again.base_url, timeout=10) as client:
        view = client.get(f"/api/v1/complaints/{code}").json()
        assert view["status"] == "replied" and view["reply"] == "已责令停止夜间施工"
