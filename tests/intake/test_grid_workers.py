"""Grid workers (网格员): their accounts (a town, no department) and their patrol findings (channel grid).

Domain rules pure; handlers and the API on both databases.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import jwt
import pytest
from sqlalchemy import func, select

from services.cli import main
from services.intake.adapters.tables import ComplaintRow, UserRow
from services.intake.domain import commands as c
from services.intake.domain import errors
from services.intake.domain.accounts import User
from services.intake.domain.complaint import Complaint, SealedReporter
from services.intake.domain.departments import DepartmentDirectory
from shared.auth import ALGORITHM, Principal, issue_token, read_token
from shared.clock import SHANGHAI
from shared.contracts.codes import Channel, Role
from shared.eventbus.tables import OutboxRecord

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)
FINDING = {"content": "太和镇某养殖场污水直排入河，河面发黑", "category": "water", "subcategory": "livestock",
           "address": "太和镇东岳村 3 组", "lat": 30.1, "lon": 106.2}


# --- domain (pure) -------------------------------------------------------------------------------------


def register(**given) -> User:
    return User.register(**{"username": "wang.grid", "password": "a-long-password", "role": "grid_worker",
                            "department": None, "town": "taihe", "display_name": None, "at": NOW,
                            "directory": DepartmentDirectory([]), "hash_password": lambda p: f"h:{p}", **given})


def test_a_grid_worker_is_registered_with_a_town_and_no_department():
    user = register()
    assert user.role is Role.grid_worker and user.town == "taihe" and user.department is None


@pytest.mark.parametrize(("given", "error", "words"), [
    ({"town": None}, errors.TownMismatch, "a grid_worker needs --town"),
    ({"role": "supervisor"}, errors.TownMismatch, "only a grid worker has one"),
    ({"town": "atlantis"}, errors.UnknownTown, "unknown town 'atlantis'"),
    ({"department": "town_taihe"}, errors.DepartmentMismatch, "only a dispatcher has one"),
])
def test_a_grid_worker_needs_a_known_town_and_nobody_else_has_one(given, error, words):
    with pytest.raises(error) as refused:
        register(**given)
    assert words in refused.value.message and refused.value.code == "invalid"


def receive(**given) -> Complaint:
    return Complaint.receive(**{"channel": Channel.grid, "content": "河面发黑，有异味", "town": "taihe",
                                "reporter": SealedReporter(), "at": NOW, "seal": lambda t: "sealed:" + t,
                                "reported_by": "grid-taihe", **given})


def test_a_patrol_finding_names_its_grid_worker_and_only_it_does():
    complaint = receive()
    assert complaint.reported_by == "grid-taihe" and complaint.channel is Channel.grid
    [event] = complaint.pull_events()
    assert event.channel == "grid" and event.reporter_name_masked is None  # no reporter: staff found it
    with pytest.raises(errors.ReportedByMismatch):
        receive(reported_by=None)
    with pytest.raises(errors.ReportedByMismatch):
        receive(channel=Channel.web)


def test_a_token_carries_the_town_and_one_without_it_stays_valid():
    key = "k" * 32
    token = issue_token(Principal("grid-taihe", "grid_worker", town="taihe"), key=key, now=NOW,
                        ttl=timedelta(days=36500))
    assert read_token(token, key=key) == Principal("grid-taihe", "grid_worker", None, "taihe")
    old = jwt.encode({"sub": "li", "role": "dispatcher", "dept": "town_taihe",
                      "exp": int((NOW + timedelta(days=36500)).timestamp())}, key, algorithm=ALGORITHM)
    assert read_token(old, key=key) == Principal("li", "dispatcher", "town_taihe")
    plain = issue_token(Principal("supervisor", "supervisor"), key=key, now=NOW, ttl=timedelta(days=36500))
    assert "town" not in jwt.decode(plain, key, algorithms=[ALGORITHM])


# --- handlers (both databases) ------------------------------------------------------------------------


def test_a_grid_worker_added_through_the_bus_signs_in_with_the_town(intake):
    intake.bus.handle(c.AddUser(username="wang.grid", password="a-long-password-1", role="grid_worker",
                                town="shayu"))
    principal = intake.bus.handle(c.Authenticate("wang.grid", "a-long-password-1"))
    assert (principal.role, principal.department, principal.town) == ("grid_worker", None, "shayu")
    with pytest.raises(errors.TownMismatch):
        intake.bus.handle(c.AddUser(username="x", password="a-long-password-1", role="grid_worker"))
    with intake.engine.connect() as conn:
        assert conn.execute(select(UserRow.town).where(UserRow.username == "wang.grid")).scalar_one() == "shayu"
        assert conn.execute(select(func.count()).select_from(UserRow).where(UserRow.username == "x")).scalar_one() == 0


def test_a_patrol_finding_is_stored_with_its_worker_and_listed_as_theirs_only(intake):
    first = intake.bus.handle(c.ReceiveComplaint(channel=Channel.grid, content="河面发黑，有异味", town="taihe",
                                                 reported_by="grid-taihe"))
    intake.clock.advance(timedelta(minutes=5))
    second = intake.bus.handle(c.ReceiveComplaint(channel=Channel.grid, content="路边焚烧秸秆，浓烟很大",
                                                  town="taihe", reported_by="grid-taihe"))
    intake.bus.handle(c.ReceiveComplaint(channel=Channel.grid, content="另一名网格员发现的问题", town="shayu",
                                         reported_by="grid-shayu"))
    intake.report()  # a citizen's web report is nobody's patrol finding
    mine = intake.bus.handle(c.ListPatrolReports("grid-taihe"))
    assert [m.tracking_code for m in mine] == [second.tracking_code, first.tracking_code]  # newest first
    with intake.engine.connect() as conn:
        row = conn.execute(select(ComplaintRow).where(ComplaintRow.id == first.id)).one()
        payload = json.loads(conn.execute(select(OutboxRecord.payload).where(OutboxRecord.key == first.id)
                                          .order_by(OutboxRecord.position)).first()[0])
    assert (row.channel, row.reported_by, row.town) == ("grid", "grid-taihe", "taihe")
    assert row.reporter_name_enc is None and row.reporter_phone_enc is None and row.phone_last4 is None
    assert payload["data"]["channel"] == "grid"


# --- the API (both databases) --------------------------------------------------------------------------


def login(intake, username: str, password: str = "demo") -> dict[str, str]:
    response = intake.client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def report(intake, headers, **changes):
    return intake.client.post("/api/v1/channels/grid", json={**FINDING, **changes}, headers=headers)


def count(intake) -> int:
    with intake.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(ComplaintRow)).scalar_one()


def test_the_demo_grid_worker_signs_in_reports_in_their_town_and_gets_a_code_and_a_photo_token(intake):
    signed_in = intake.client.post("/api/v1/auth/token", data={"username": "grid-taihe", "password": "demo"})
    assert signed_in.status_code == 200
    assert (signed_in.json()["role"], signed_in.json()["town"]) == ("grid_worker", "taihe")
    headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    response = report(intake, headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert list(body) == ["id", "tracking_code", "status", "received_at", "town", "citizen_token"]
    assert body["tracking_code"].startswith("HC261126-") and body["town"] == "taihe"
    with intake.engine.connect() as conn:
        row = conn.execute(select(ComplaintRow).where(ComplaintRow.id == body["id"])).one()
    assert (row.channel, row.town, row.reported_by) == ("grid", "taihe", "grid-taihe")
    assert (row.category, row.subcategory, row.address) == ("water", "livestock", "太和镇东岳村 3 组")
    assert row.reporter_name_enc is None and row.reporter_phone_enc is None
    view = intake.client.get(f"/api/v1/r/{body['citizen_token']}")  # the worker adds photos through it
    assert view.status_code == 200 and view.json()["channel"] == "grid" and view.json()["can_attach"]


def test_only_grid_workers_report_patrol_findings(intake):
    assert report(intake, {}).status_code == 401
    assert report(intake, {"Authorization": "Bearer not-a-token"}).status_code == 401
    for username in ("supervisor", "operator", "admin", "dispatcher-town_taihe"):
        refused = report(intake, login(intake, username))
        assert refused.status_code == 403, username
        assert "网格员" in refused.json()["error"]["message"]
        assert intake.client.get("/api/v1/channels/grid/mine", headers=login(intake, username)).status_code == 403
    assert intake.client.get("/api/v1/channels/grid/mine").status_code == 401
    assert count(intake) == 0


def test_the_town_is_the_workers_own_and_no_reporter_is_taken(intake):
    headers = login(intake, "grid-taihe")
    for extra in ({"town": "shayu"}, {"reporter": {"name": "张三"}}, {"channel": "web"}):
        refused = report(intake, headers, **extra)
        assert refused.status_code == 422, extra
    assert report(intake, headers, category="noise", subcategory="livestock").status_code == 422
    assert report(intake, headers, lat=30.1, lon=None).status_code == 422
    assert count(intake) == 0


def test_an_idempotency_key_replays_the_same_report_and_refuses_another_body(intake):
    headers = {**login(intake, "grid-taihe"), "Idempotency-Key": "patrol-0001"}
    first = report(intake, headers)
    again = report(intake, headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()  # the same code and the same photo token
    assert report(intake, headers, content="换了内容却用同一个幂等键提交").status_code == 409
    # Another worker's request with the same key is another request: refused, never given this report's token.
    intake.bus.handle(c.AddUser(username="wang.grid", password="a-long-password-1", role="grid_worker",
                                town="taihe"))
    other = report(intake, {**login(intake, "wang.grid", "a-long-password-1"), "Idempotency-Key": "patrol-0001"})
    assert other.status_code == 409 and "citizen_token" not in other.text
    assert count(intake) == 1


def test_the_worker_lists_their_own_recent_reports(intake):
    headers = login(intake, "grid-taihe")
    codes = []
    for n in range(3):
        codes.append(report(intake, headers, content=f"巡查发现第 {n + 1} 处污水直排").json()["tracking_code"])
        intake.clock.advance(timedelta(minutes=1))
    intake.report()  # a citizen's report is not the worker's
    mine = intake.client.get("/api/v1/channels/grid/mine", headers=headers)
    assert mine.status_code == 200
    reports = mine.json()["reports"]
    assert [r["tracking_code"] for r in reports] == codes[::-1]
    assert reports[0]["content"] == "巡查发现第 3 处污水直排" and reports[0]["status_label"] == "已受理"
    assert reports[0]["type_label"] == "水 / 畜禽养殖污水"


def test_the_cli_adds_a_grid_worker_with_a_town_who_then_reports(monkeypatch, database_url, intake, capsys):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("COMPLAINTS_PASSWORD", "a-long-password-1")
    assert main(["users", "add", "wang.grid", "--role", "grid_worker", "--town", "taihe"]) == 0
    assert main(["users", "add", "li.grid", "--role", "grid_worker"]) == 1
    assert "a grid_worker needs --town" in capsys.readouterr().err
    assert main(["users", "add", "zhao", "--role", "operator", "--town", "taihe"]) == 1
    assert "only a grid worker has one" in capsys.readouterr().err
    assert main(["users", "add", "qian.grid", "--role", "grid_worker", "--town", "atlantis"]) == 1
    assert "unknown town 'atlantis'" in capsys.readouterr().err
    assert main(["users", "list"]) == 0
    users = {u["username"]: u for u in json.loads(capsys.readouterr().out)}
    assert users["wang.grid"]["town"] == "taihe" and users["grid-taihe"]["town"] == "taihe"
    assert set(users) >= {"wang.grid"} and "li.grid" not in users and "zhao" not in users
    response = report(intake, login(intake, "wang.grid", "a-long-password-1"))
    assert response.status_code == 201 and response.json()["town"] == "taihe"
