"""The access matrix (issue 11), cell by cell: for every route in shared/access_matrix.py and every kind of
caller, the real HTTP call against the embedded system, and the exact status the table says.

An allowed cell must answer its 2xx (not merely "not 401"); a refused one its exact status. One system per
module (SQLite), each role signed in once; what a call needs (a case in the right state, a callback, an
attachment) is made through the API first, fresh for every allowed call that changes it.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from services.routing.domain.firms import credit_check_char
from shared.access_matrix import (
    ACTIONS,
    ADMIN,
    CHECK,
    CITIZEN,
    CLIENT,
    DISPATCHER_OTHER,
    DISPATCHER_OWN,
    DOC_PATH,
    GRID_WORKER,
    OPERATOR,
    REPLY_TEXT,
    REPORT_TEXT,
    ROLE_OF,
    STAFF_WHO,
    SUPERVISOR,
    Action,
    allowed,
    cells,
    expected,
    render,
)
from shared.clock import SHANGHAI, FakeClock
from shared.db import make_engine
from shared.filestore import FolderStore
from tests.images import jpeg
from tests.system import EmbeddedSystem

DEPARTMENT = "housing_construction"  # where the example complaint is routed: the own department
OTHER_DEPARTMENT = "ecology_env"
THIRD_DEPARTMENT = "urban_management"  # leads the case the own department is asked to assist (协办)
USERNAMES = {OPERATOR: "operator", DISPATCHER_OWN: f"dispatcher-{DEPARTMENT}",
             DISPATCHER_OTHER: f"dispatcher-{OTHER_DEPARTMENT}", SUPERVISOR: "supervisor", ADMIN: "admin",
             GRID_WORKER: "grid-taihe"}
PHONE = "13812341234"
API_KEY = "demo-key"
WECHAT_TOKEN = "HechuanMatrixToken2026"
WECHAT_TIMESTAMP, WECHAT_NONCE = "1795999999", "matrix42"
WECHAT_OPENID = "oMatrix0123456789abcdefghij"  # 28 characters, like WeChat's OpenIDs
METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}


def wechat_signature() -> str:
    return hashlib.sha1("".join(sorted([WECHAT_TOKEN, WECHAT_TIMESTAMP, WECHAT_NONCE])).encode()).hexdigest()


def wechat_message(msg_id: int) -> str:
    return (f"<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>"
            f"<FromUserName><![CDATA[{WECHAT_OPENID}]]></FromUserName><CreateTime>{WECHAT_TIMESTAMP}</CreateTime>"
            f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[帮助]]></Content><MsgId>{msg_id}</MsgId></xml>")


def fill(template: Any, context: dict[str, Any]) -> Any:
    """The template with "{name}"s filled in; a field that is exactly "{name}" of a None is left out."""
    if isinstance(template, str):
        return template.format_map(context)
    if isinstance(template, list):
        return [fill(item, context) for item in template]
    if isinstance(template, dict):
        return {key: fill(value, context) for key, value in template.items()
                if not (isinstance(value, str) and value.startswith("{") and value.endswith("}")
                        and context.get(value[1:-1], "") is None)}
    return template


class World:
    """The embedded system, its signed-in staff and the things calls need."""

    def __init__(self, system: EmbeddedSystem) -> None:
        self.system = system
        self.http = system.client
        self._tokens: dict[str, dict[str, str]] = {}
        self._shared: dict[str, dict[str, Any]] = {}
        self._counter = itertools.count(1)

    def unique(self) -> int:
        return next(self._counter)

    # --- staff ---

    def auth(self, who: str) -> dict[str, str]:
        if who not in self._tokens:
            response = self.http.post("/api/v1/auth/token", data={"username": USERNAMES[who], "password": "demo"})
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["role"] == ROLE_OF[who], body
            if who in (DISPATCHER_OWN, DISPATCHER_OTHER):
                assert body["department"] == (DEPARTMENT if who == DISPATCHER_OWN else OTHER_DEPARTMENT), body
            self._tokens[who] = {"Authorization": f"Bearer {body['access_token']}"}
        return self._tokens[who]

    def forget(self, who: str) -> None:
        """After a sign-out every token of the user is refused: sign in again when next needed."""
        self._tokens.pop(who, None)

    def ok(self, method: str, path: str, who: str | None = None, **kwargs: Any) -> dict[str, Any]:
        headers = self.auth(who) if who else {}
        response = self.http.request(method, path, headers=headers, **kwargs)
        assert 200 <= response.status_code < 300, f"setup {method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else {}

    # --- targets ---

    def target(self, name: str | None, fresh: bool) -> dict[str, Any]:
        if name is None or name == "session":
            return {}
        if fresh:
            return self.make(name)
        if name not in self._shared:
            self._shared[name] = self.make(name)
        return self._shared[name]

    def make(self, name: str) -> dict[str, Any]:
        return getattr(self, f"_{name}")()  # type: ignore[no-any-return]

    def _complaint(self, **reporter: Any) -> dict[str, Any]:
        body = {"channel": "web", "content": REPORT_TEXT, "town": "合阳城街道",
                "reporter": reporter or {"phone": PHONE}}
        received = self.ok("POST", "/api/v1/complaints", json=body)
        return {"complaint_id": received["id"], "tracking_code": received["tracking_code"],
                "token": received["citizen_token"], "digits": PHONE[-4:]}

    def _routed(self, complaint: dict[str, Any]) -> dict[str, Any]:
        self.system.drain()
        case = self.ok("GET", f"/api/v1/cases/{complaint['complaint_id']}", SUPERVISOR)
        assert (case["status"], case["department"]) == ("assigned", DEPARTMENT), case
        return complaint

    def _case(self) -> dict[str, Any]:
        return self._routed(self._complaint())

    def _anonymous_case(self) -> dict[str, Any]:
        return self._routed(self._complaint(phone="13312342222", anonymous=True))

    def _accepted_case(self) -> dict[str, Any]:
        case = self._case()
        self.ok("POST", f"/api/v1/cases/{case['complaint_id']}/accept", DISPATCHER_OWN)
        return case

    def _extension_case(self) -> dict[str, Any]:
        case = self._accepted_case()
        self.ok("POST", f"/api/v1/cases/{case['complaint_id']}/extension", DISPATCHER_OWN,
                json={"working_days": 2, "reason": "需要现场监测"})
        return case

    def _disputed_case(self) -> dict[str, Any]:
        """派单异议: the department contests the assignment before signing."""
        case = self._case()
        self.ok("POST", f"/api/v1/cases/{case['complaint_id']}/dispute", DISPATCHER_OWN,
                json={"reason": "不属于本部门职责"})
        return case

    def _suspended_case(self) -> dict[str, Any]:
        """挂起: the department that signed waits for the citizen."""
        case = self._accepted_case()
        self.ok("POST", f"/api/v1/cases/{case['complaint_id']}/suspend", DISPATCHER_OWN,
                json={"reason": "unreachable"})
        return case

    def _incident_case(self) -> dict[str, Any]:
        """突发环境事件: declared by a hotline operator."""
        case = self._case()
        self.ok("POST", f"/api/v1/cases/{case['complaint_id']}/incident", OPERATOR, json={"reason": "气体泄漏"})
        return case

    def _triage_case(self) -> dict[str, Any]:
        """A report the classifier cannot place: a person routes it (人工分拨)."""
        received = self.ok("POST", "/api/v1/complaints",
                           json={"channel": "web", "content": "你好，我想反映一个情况，请尽快联系我"})
        self.system.drain()
        case = self.ok("GET", f"/api/v1/cases/{received['id']}", SUPERVISOR)
        assert (case["status"], case["department"]) == ("triage", None), case
        return {"complaint_id": received["id"], "tracking_code": received["tracking_code"]}

    def _replied_case(self) -> dict[str, Any]:
        case = self._case()
        self.ok("POST", f"/api/v1/cases/{case['complaint_id']}/reply", DISPATCHER_OWN, json={"reply": REPLY_TEXT})
        self.system.drain()
        assert self.ok("GET", f"/api/v1/r/{case['token']}")["can_rate"] is True
        return case

    def _callback(self) -> dict[str, Any]:
        """A pending callback: the reply was drawn (the department's first of the week is), or else the citizen
        was not satisfied with it online (always called back)."""
        case = self._replied_case()
        path = f"/api/v1/callbacks/{case['complaint_id']}/1"
        if self.http.get(path, headers=self.auth(SUPERVISOR)).status_code == 404:
            self.ok("POST", f"/api/v1/r/{case['token']}/rating",
                    json={"rating": "unsatisfied", "resolution": "unresolved"})
            self.system.drain()
        assert self.ok("GET", path, SUPERVISOR)["status"] == "pending"
        return case | {"reply_round": 1}

    def _unsatisfied_round(self) -> dict[str, Any]:
        """A reply round the citizen rated unsatisfied (不合理差评 may be marked on it)."""
        case = self._replied_case()
        self.ok("POST", f"/api/v1/r/{case['token']}/rating", json={"rating": "unsatisfied", "resolution": "unresolved"})
        self.system.drain()
        return case | {"reply_round": 1}

    def _marked_round(self) -> dict[str, Any]:
        """An unsatisfied rating a supervisor marked unreasonable (the mark may be withdrawn)."""
        case = self._unsatisfied_round()
        self.ok("POST", f"/api/v1/metrics/satisfaction/reviews/{case['complaint_id']}/1", SUPERVISOR,
                json={"reason": "权限矩阵测试：标记"})
        return case

    def _patrol_case(self) -> dict[str, Any]:
        found = self.ok("POST", "/api/v1/channels/grid", GRID_WORKER,
                        json={"content": "太和镇某河段发现排污口，水体发黑", "category": "water"})
        self.system.drain()
        return {"complaint_id": found["id"], "tracking_code": found["tracking_code"]}

    def _attachment(self) -> dict[str, Any]:
        case = self._case()
        stored = self.ok("POST", f"/api/v1/r/{case['token']}/attachments",
                         files={"file": ("photo.jpg", jpeg(), "image/jpeg")})
        return case | {"attachment_id": stored["id"]}

    def _reply_photo(self) -> dict[str, Any]:
        case = self._case()
        stored = self.ok("POST", f"/api/v1/cases/{case['complaint_id']}/photos", DISPATCHER_OWN,
                         files={"file": ("site.jpg", jpeg(), "image/jpeg")})
        return case | {"photo_id": stored["id"]}

    def _replied_photo(self) -> dict[str, Any]:
        case = self._reply_photo()
        self.ok("POST", f"/api/v1/cases/{case['complaint_id']}/reply", DISPATCHER_OWN, json={"reply": REPLY_TEXT})
        self.system.drain()
        return case

    # 信访件: a case registered as a petition, and each step after it taken by the supervisor
    def _petition(self) -> dict[str, Any]:
        case = self._case()
        self.ok("POST", f"/api/v1/cases/{case['complaint_id']}/petition", SUPERVISOR, json={})
        return case

    def _petition_step(self, target: str, step: str, body: dict[str, Any]) -> dict[str, Any]:
        case = self.make(target)
        self.ok("POST", f"/api/v1/cases/{case['complaint_id']}/petition/{step}", SUPERVISOR, json=body)
        return case

    def _accepted_petition(self) -> dict[str, Any]:
        return self._petition_step("petition", "acceptance", {"accepted": True, "reason": "予以受理"})

    def _replied_petition(self) -> dict[str, Any]:
        return self._petition_step("accepted_petition", "reply", {"text": "已调查处理"})

    def _review_requested_petition(self) -> dict[str, Any]:
        return self._petition_step("replied_petition", "review-request", {"text": "请求复查"})

    def _reviewed_petition(self) -> dict[str, Any]:
        return self._petition_step("review_requested_petition", "review", {"text": "维持原意见"})

    def _rereview_requested_petition(self) -> dict[str, Any]:
        return self._petition_step("reviewed_petition", "rereview-request", {"text": "请求复核"})

    # 督察交办件: a case registered as an inspection case, in batch 1
    def _inspection(self) -> dict[str, Any]:
        case = self._case()
        self.ok("POST", f"/api/v1/cases/{case['complaint_id']}/inspection", SUPERVISOR,
                json={"kind": "central", "round_name": "第三轮中央生态环境保护督察", "batch": 1,
                      "number": f"WORLD-{self.unique()}", "report_due": "2026-12-10"})
        return case

    # 调查处理: a case with a photo, a check, a finding, an action, a re-check that found it rectified
    def _investigation_photo(self) -> dict[str, Any]:
        case = self._case()
        stored = self.ok("POST", f"/api/v1/cases/{case['complaint_id']}/investigation/photos", DISPATCHER_OWN,
                         files={"file": ("site.jpg", jpeg(), "image/jpeg")})
        return case | {"photo_id": stored["id"]}

    def _investigation_step(self, target: str, step: str, body: dict[str, Any]) -> dict[str, Any]:
        case = self.make(target)
        self.ok("POST", f"/api/v1/cases/{case['complaint_id']}/investigation/{step}", DISPATCHER_OWN,
                json=fill(body, case))
        return case

    def _checked_case(self) -> dict[str, Any]:
        return self._investigation_step("investigation_photo", "checks", {**CHECK, "photos": ["{photo_id}"]})

    def _found_case(self) -> dict[str, Any]:
        return self._investigation_step("checked_case", "finding", {"finding": "true"})

    def _acted_case(self) -> dict[str, Any]:
        return self._investigation_step("found_case", "actions", {"kind": "rectify", "deadline": "2026-12-03"})

    def _rectified_case(self) -> dict[str, Any]:
        return self._investigation_step("acted_case", "rechecks", {**CHECK, "result": "rectified",
                                                                   "photos": ["{photo_id}"]})

    # 举报奖励: a case signed off with 属实 and an action opens a reward for its reporter; approved; approved long ago
    def _reward(self) -> dict[str, Any]:
        case = self.make("rectified_case")
        self.ok("POST", f"/api/v1/cases/{case['complaint_id']}/investigation/sign-off", SUPERVISOR, json={})
        self.system.drain()
        listed = self.ok("GET", "/api/v1/rewards", SUPERVISOR, params={"limit": 100})["items"]
        [reward] = [r for r in listed if r["complaint_id"] == case["complaint_id"]]
        return case | {"reward_id": reward["id"]}

    def _approve(self, reward: dict[str, Any]) -> dict[str, Any]:
        self.ok("POST", f"/api/v1/rewards/{reward['reward_id']}/approve", SUPERVISOR,
                json={"amount_yuan": "500", "reason": "权限矩阵测试"})
        return reward

    def _approved_reward(self) -> dict[str, Any]:
        return self._approve(self._reward())

    def _overdue_reward(self) -> dict[str, Any]:
        reward = self._reward()
        now = self.system.clock.now()
        self.system.clock.set(now - timedelta(days=91))  # approved then: its 90 days to claim are over
        try:
            return self._approve(reward)
        finally:
            self.system.clock.set(now)

    # 被举报企业: a valid credit code never used, a firm with a case of the own department, that case linked
    def _firm_code(self) -> dict[str, Any]:
        first17 = f"91500117MA{self.unique():07d}"
        return {"credit_code": first17 + credit_check_char(first17)}

    def _firm_case(self) -> dict[str, Any]:
        case = self._case()
        firm = self.ok("POST", "/api/v1/firms", SUPERVISOR, json={
            "name": f"矩阵测试企业{self.unique()}", "address": "太和镇工业园2号", "town": "taihe", "industry": "建材",
            **self._firm_code()})
        return case | {"firm_id": firm["id"]}

    def _linked_firm_case(self) -> dict[str, Any]:
        case = self._firm_case()
        self.ok("PUT", f"/api/v1/cases/{case['complaint_id']}/firm", SUPERVISOR, json={"firm_id": case["firm_id"]})
        return case

    def _case_pair(self) -> dict[str, Any]:
        duplicate, master = self._case(), self._case()
        return duplicate | {"master_id": master["complaint_id"]}

    def _cross_pair(self) -> dict[str, Any]:
        """A case of the own department, and a master a supervisor moved to another department."""
        duplicate, master = self._case(), self._case()
        self.ok("POST", f"/api/v1/cases/{master['complaint_id']}/transfer", SUPERVISOR,
                json={"department": OTHER_DEPARTMENT, "reason": "属于其他部门职责"})
        self.system.drain()
        return duplicate | {"master_id": master["complaint_id"]}

    def _assist_case(self) -> dict[str, Any]:
        """A case a third department leads, which asked the own department to assist (协办)."""
        case = self._case()
        self.ok("POST", f"/api/v1/cases/{case['complaint_id']}/transfer", SUPERVISOR,
                json={"department": THIRD_DEPARTMENT, "reason": "属于其他部门职责"})
        self.ok("POST", f"/api/v1/cases/{case['complaint_id']}/assists", SUPERVISOR,
                json={"departments": [DEPARTMENT]})
        self.system.drain()
        return case

    def _department(self) -> dict[str, Any]:
        made = self.ok("POST", "/api/v1/departments", ADMIN, json={"code": "matrix_target", "name": "矩阵测试目标单位"})
        return {"code": made["code"]}

    def _rule(self) -> dict[str, Any]:
        rules = self.ok("GET", "/api/v1/rules", SUPERVISOR)["rules"]
        return {"rule_id": rules[0]["id"]}

    def _hotspot(self) -> dict[str, Any]:
        for _ in range(3):  # the same town and type three times: flagged as recurring
            self._case()
        found = self.ok("GET", "/api/v1/hotspots", SUPERVISOR)["hotspots"]
        keys = [h["key"] for h in found if h["kind"] == "recurring"]
        assert keys, found
        return {"key": keys[0]}

    def _knowledge(self, status: str) -> dict[str, Any]:
        made = self.ok("POST", "/api/v1/knowledge/articles", SUPERVISOR, json={
            "title": f"矩阵测试条目 {self.unique()}", "answer": "受理后一个工作日内交办。", "department": DEPARTMENT,
            "status": status, "category": "noise"})
        return {"article_id": made["id"]}

    def _article(self) -> dict[str, Any]:
        return self._knowledge("internal")

    def _public_article(self) -> dict[str, Any]:
        return self._knowledge("public")

    def _template(self) -> dict[str, Any]:
        made = self.ok("POST", "/api/v1/knowledge/templates", SUPERVISOR,
                       json={"name": "矩阵测试口径", "body": "查询码 {tracking_code} 已办理。", "category": "noise"})
        return {"template_id": made["id"]}

    def _template_case(self) -> dict[str, Any]:
        return {**self.target("case", False), **self.target("template", False)}

    def _open311_request(self) -> dict[str, Any]:
        made = self.ok("POST", "/open311/v2/requests.json",
                       data={"api_key": API_KEY, "service_code": "noise.construction",
                             "description": "工地夜间打桩，噪音很大", "address_string": "合阳城街道南屏路88号"})
        code = made[0]["service_request_id"]  # the tracking code, published in the public feed
        self.system.drain()
        return {"service_request_id": code, "tracking_code": code, "digits": None}

    # --- one cell ---

    def call(self, action: Action, who: str) -> httpx.Response:
        status = expected(action, who)
        fresh = action.fresh == "always" or (action.fresh == "allowed" and allowed(status))
        target = self.target(action.target, fresh)
        unique = self.unique()
        context: dict[str, Any] = {
            "department": DEPARTMENT, "other_department": OTHER_DEPARTMENT, "unique": unique,
            **target, **dict(action.params),
            # the citizen's own credential for the citizen only; anyone else has none (or a wrong token)
            "token": target.get("token") if who == CITIZEN else secrets.token_urlsafe(24),
            "digits": target.get("digits") if who == CITIZEN else None,
            "api_key": API_KEY if who == CLIENT else None,
            "wechat_signature": wechat_signature() if who == CLIENT else None,
            "wechat_timestamp": WECHAT_TIMESTAMP, "wechat_nonce": WECHAT_NONCE,
            "wechat_message": wechat_message(24_000_000_000_000_000 + unique),
        }
        headers: dict[str, str] = {}
        if who in STAFF_WHO:
            headers.update(self.auth(who))
        if who == CLIENT:
            headers["X-API-Key"] = API_KEY  # a client's key, sent everywhere: it must open nothing but its own
        headers.update(fill(dict(action.headers), context))
        request: dict[str, Any] = {"params": fill(dict(action.query), context), "headers": headers}
        if action.body is not None:
            request["json"] = fill(action.body, context)
        if action.form is not None:
            request["data"] = fill(dict(action.form), context)
        if action.upload:
            request["files"] = {"file": ("photo.jpg", jpeg(), "image/jpeg")}
        if action.content is not None:
            content_type, raw = action.content
            request["content"] = fill(raw, context).encode()
            headers["Content-Type"] = content_type
        # Each cell from its own address: wrong tokens are counted per client (and would end in 429).
        client = TestClient(self.system.app, client=(f"10.{unique // 65536 % 256}.{unique // 256 % 256}.{unique % 256}",
                                                     50000))
        try:
            response = client.request(action.method, action.path.format_map(context), **request)
        finally:
            client.close()
        if action.target == "session" and allowed(response.status_code) and who in STAFF_WHO:
            self.forget(who)
        return response


@pytest.fixture(scope="module")
def world(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("access_matrix")
    shutil.copy(sqlite_template, folder / "matrix.db")
    engine = make_engine(f"sqlite:///{folder / 'matrix.db'}")
    clock = FakeClock(datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI))
    with pytest.MonkeyPatch.context() as env:  # the WeChat channel on, so that its signature is what is tested
        env.setenv("WECHAT_TOKEN", WECHAT_TOKEN)
        env.delenv("WECHAT_ENCODING_AES_KEY", raising=False)
        env.delenv("WECHAT_APP_ID", raising=False)
        system = EmbeddedSystem(engine, clock, intake={"attachments": FolderStore(folder / "attachments")})
    yield World(system)
    system.client.close()
    engine.dispose()


CELLS = cells()


@pytest.mark.parametrize(("action", "who"), CELLS, ids=[f"{a.key}-{who}" for a, who in CELLS])
def test_cell(world: World, action: Action, who: str) -> None:
    status = expected(action, who)
    response = world.call(action, who)
    assert response.status_code == status, (
        f"{action.method} {action.path} ({action.key}) as {who}: expected {status}, got {response.status_code} "
        f"{response.text[:300]}")


def test_every_route_is_in_the_matrix_and_every_row_is_a_route(world: World) -> None:
    served = {(method.upper(), path) for path, operations in world.system.app.openapi()["paths"].items()
              for method in operations if method in METHODS}
    listed = {(action.method, action.path) for action in ACTIONS}
    assert sorted(served - listed) == [], "routes missing from shared/access_matrix.py"
    assert sorted(listed - served) == [], "rows of shared/access_matrix.py that are no route"


def test_the_table_is_consistent() -> None:
    keys = [action.key for action in ACTIONS]
    assert len(keys) == len(set(keys))
    for action in ACTIONS:
        statuses = [expected(action, who) for who in (CITIZEN, CLIENT, *STAFF_WHO, "anonymous")]
        # (a case kind may close a route to everyone: an anonymous reporter has no number to call back)
        assert any(allowed(s) for s in statuses) or action.overrides, f"{action.key}: nobody may call it"
        assert set(action.roles) <= {"operator", "dispatcher", "supervisor", "admin", "grid_worker"}
        assert action.fresh in ("never", "allowed", "always")
    assert len(CELLS) > 300


def test_docs_access_md_is_what_the_table_writes() -> None:
    assert DOC_PATH.read_text(encoding="utf-8") == render(), "docs/access.md is stale: python -m shared.access_matrix"
