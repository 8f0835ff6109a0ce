"""PostgreSQL killed under a served intake process: every channel answers 503 with a message a person can
act on (never a 500), nothing is half-written, and intake recovers by itself once the server is back.

(The broker away while intake keeps accepting is tests/distributed/test_failures.py.)"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import text

from bench.chaos import WECHAT_TOKEN, ChaosPostgres
from shared.db import make_engine
from tests.processes import ServedProcess
from tests.waiting import wait_for

pytestmark = [pytest.mark.slow]

BODY = {"channel": "web", "content": "合阳城街道某工地凌晨两点还在打桩，噪音太大", "town": "合阳城街道"}


@pytest.fixture
def own_postgres() -> Iterator[ChaosPostgres]:
    """A server of this test's own: the session's is shared by every other test."""
    server = ChaosPostgres().start()
    yield server
    server.stop()


def wechat_text(client: httpx.Client, content: str) -> httpx.Response:
    timestamp, nonce, openid = str(int(time.time())), "n1", "oDbDown0123456789abcdefghijk"
    signature = hashlib.sha1("".join(sorted([WECHAT_TOKEN, timestamp, nonce])).encode()).hexdigest()
    xml = (f"<xml><ToUserName>gh_test</ToUserName><FromUserName>{openid}</FromUserName><CreateTime>{timestamp}"
           f"</CreateTime><MsgType>text</MsgType><Content>{content}</Content><MsgId>42</MsgId></xml>")
    return client.post("/api/v1/channels/wechat", content=xml.encode(), headers={"Content-Type": "text/xml"},
                       params={"signature": signature, "timestamp": timestamp, "nonce": nonce})


def test_with_the_database_down_intake_answers_503_writes_nothing_and_recovers_by_itself(
        own_postgres: ChaosPostgres) -> None:
    from services import composition

    admin = make_engine(own_postgres.url())
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text('CREATE DATABASE "intake_down"'))
    admin.dispose()
    url = own_postgres.url("intake_down")
    engine = make_engine(url)
    composition.migrate(engine, ("intake",))
    composition.seed(engine, ("intake",))

    def count(sql: str) -> int:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())

    env = {"DATABASE_URL": url, "EVENT_BUS": "db", "WECHAT_TOKEN": WECHAT_TOKEN}
    with ServedProcess("intake", env, migrate=False) as intake, \
            httpx.Client(base_url=intake.base_url, timeout=30) as client:
        before = client.post("/api/v1/complaints", json=BODY, headers={"Idempotency-Key": "before"})
        assert before.status_code == 201, before.text
        engine.dispose()  # the test's own connections would only be broken ones

        own_postgres.kill()
        down = [
            client.post("/api/v1/complaints", json=BODY, headers={"Idempotency-Key": "during"}),
            client.post("/api/v1/channels/hotline", headers={"X-API-Key": "demo-key"},
                        json={"call_id": "CC-down-1", "content": BODY["content"], "town": "合阳城街道"}),
            client.post("/open311/v2/requests.json", data={"api_key": "demo-key", "service_code": "noise",
                                                           "description": BODY["content"], "address_string": "学士路"}),
            wechat_text(client, "太和镇养猪场臭味很重，熏得人头晕"),
            client.get(f"/api/v1/complaints/{before.json()['tracking_code']}"),
        ]
        for response in down:
            assert response.status_code == 503, (response.request.url, response.status_code, response.text)
            assert response.headers["Retry-After"] == "5"
            error = response.json()["error"]
            assert error["code"] == "unavailable"
            assert error["message"] == "暂时无法受理，请稍后再试 / the database is unavailable, try again shortly"
        assert client.get("/readyz").status_code == 503

        own_postgres.restart()  # intake is left alone: its pool finds the server again
        again = wait_for(lambda: (r := client.post("/api/v1/complaints", json=BODY,
                                                   headers={"Idempotency-Key": "during"})).status_code != 503 and r,
                         60, "intake answering again")
        # 201, not 200: nothing was stored under that key while the database was down
        assert again.status_code == 201, again.text
        call = client.post("/api/v1/channels/hotline", headers={"X-API-Key": "demo-key"},
                           json={"call_id": "CC-down-1", "content": BODY["content"], "town": "合阳城街道"})
        assert call.status_code == 201, call.text

        # nothing half-written: three complaints, each whole (its timeline, its event), and nothing else
        assert count("SELECT count(*) FROM intake_complaints") == 3
        assert count("SELECT count(*) FROM intake_idempotency_keys") == 2
        assert count("SELECT count(*) FROM intake_channel_refs") == 1
        assert count("SELECT count(DISTINCT complaint_id) FROM intake_timeline") == 3
        assert count("SELECT count(*) FROM event_outbox WHERE type = 'hechuan.complaints.complaint.received.v1'") == 3
        assert count("SELECT count(*) FROM event_outbox o WHERE o.type LIKE 'hechuan.complaints.complaint.%' "
                     "AND NOT EXISTS (SELECT 1 FROM intake_complaints c WHERE c.id = o.key)") == 0
        assert count("SELECT count(*) FROM intake_wechat_sessions") == 0
        assert "unhandled error" not in intake.log() and '"status": 500' not in intake.log()
    engine.dispose()
