"""Who may do what over HTTP (权限矩阵, issue 11): ONE table of every route of the three services, from which
`docs/access.md` is written and `tests/security/test_access_matrix.py` makes a real call for every cell.

Data only: no service reads this module, and changing it changes no behaviour. A row says how a route is
authorised (`credential`), which signed-in roles may use it (`roles`, admin listed when it may), whether a
dispatcher acts only for the own department (`scope`), and the exact status each kind of refused caller
gets. `expected(action, who)` derives every cell from that; `overrides` records the exceptions a case kind
brings (a case in triage is with no department; an anonymous reporter has no number to call back).

The remaining fields describe one example call (what it needs to exist, its query and body), so that the
test and the table cannot drift apart either: templates such as "{complaint_id}" are filled by the test.

    python -m shared.access_matrix           # writes docs/access.md
    python -m shared.access_matrix --check   # exit status 1 when docs/access.md is not what it would write
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DOC_PATH = Path(__file__).resolve().parents[1] / "docs" / "access.md"

# --- who calls ------------------------------------------------------------------------------------------

ANONYMOUS = "anonymous"  # no credential at all
CITIZEN = "citizen"  # the reporter: the private token, or the tracking code and the phone's last 4 digits
CLIENT = "client"  # a connected system: a client API key (X-API-Key, Open311's api_key), WeChat's signature
OPERATOR = "operator"
DISPATCHER_OWN = "dispatcher_own"  # a dispatcher of the department the case (queue) is with
DISPATCHER_OTHER = "dispatcher_other"  # a dispatcher of another department
SUPERVISOR = "supervisor"
ADMIN = "admin"
GRID_WORKER = "grid_worker"

WHO: tuple[str, ...] = (ANONYMOUS, CITIZEN, CLIENT, OPERATOR, DISPATCHER_OWN, DISPATCHER_OTHER, SUPERVISOR, ADMIN,
                        GRID_WORKER)
STAFF_WHO = (OPERATOR, DISPATCHER_OWN, DISPATCHER_OTHER, SUPERVISOR, ADMIN, GRID_WORKER)

WHO_LABELS: dict[str, tuple[str, str]] = {
    ANONYMOUS: ("未登录", "anonymous"),
    CITIZEN: ("市民凭证", "citizen"),
    CLIENT: ("接入系统", "client system"),
    OPERATOR: ("话务员", "operator"),
    DISPATCHER_OWN: ("派单员·本部门", "dispatcher, own dept."),
    DISPATCHER_OTHER: ("派单员·他部门", "dispatcher, other dept."),
    SUPERVISOR: ("督办", "supervisor"),
    ADMIN: ("管理员", "admin"),
    GRID_WORKER: ("网格员", "grid worker"),
}

# The account role (shared.contracts.codes.Role) each staff column signs in as.
ROLE_OF: dict[str, str] = {OPERATOR: "operator", DISPATCHER_OWN: "dispatcher", DISPATCHER_OTHER: "dispatcher",
                           SUPERVISOR: "supervisor", ADMIN: "admin", GRID_WORKER: "grid_worker"}
ALL_STAFF_ROLES = ("operator", "dispatcher", "supervisor", "admin", "grid_worker")

# --- how a route is authorised --------------------------------------------------------------------------

PUBLIC = "public"  # nothing: anyone (a bearer token or key sent along changes nothing)
PASSWORD = "password"  # the sign-in form (username and password)
STAFF = "staff"  # a staff member's bearer token; `roles` and `scope` decide
PRIVATE_TOKEN = "private_token"  # the citizen's private token (in the path, the body or ?token=)
TRACKING = "tracking"  # the tracking code and the last 4 digits of the reporter's phone
API_KEY = "api_key"  # a client system's key
WECHAT = "wechat"  # WeChat's signature over WECHAT_TOKEN

CREDENTIAL_LABELS: dict[str, tuple[str, str]] = {
    PUBLIC: ("无需", "none"),
    PASSWORD: ("用户名和密码", "password"),
    STAFF: ("工作人员登录", "staff sign-in"),
    PRIVATE_TOKEN: ("专属凭证", "private token"),
    TRACKING: ("查询码+手机尾号", "code + phone digits"),
    API_KEY: ("客户端密钥", "client key"),
    WECHAT: ("微信签名", "WeChat signature"),
}
CITIZEN_CREDENTIALS = (PRIVATE_TOKEN, TRACKING)
CLIENT_CREDENTIALS = (API_KEY, WECHAT)

ANY = "any"  # not bound to a department
OWN_DEPARTMENT = "own_department"  # a dispatcher only for the department the case or queue is with


@dataclass(frozen=True)
class Action:
    """One route (and, where the answer depends on it, one kind of case), with who may call it."""

    key: str  # stable id: the test's id
    service: str  # intake | routing | notify | app
    method: str
    path: str  # exactly as routed (the OpenAPI path)
    zh: str
    en: str
    credential: str = STAFF
    roles: tuple[str, ...] = ()  # with STAFF: the roles allowed (admin only where listed)
    scope: str = ANY
    ok: int = 200  # what an allowed caller gets
    unauthenticated: int = 401  # no credential (or a wrong citizen token / client key)
    refused: int = 403  # a signed-in role that is not allowed
    other_department: int = 404  # a dispatcher of another department (OWN_DEPARTMENT)
    overrides: tuple[tuple[str, int], ...] = ()  # (who, status): what a case kind changes
    kind: tuple[str, str] | None = None  # (zh, en) the case kind, when the row is one of several
    note: str = ""
    # --- the example call (test data) ---
    target: str | None = None  # what must exist first (a case, a callback, ...): see the test's Targets
    fresh: str = "never"  # "allowed": every allowed call gets its own target; "always": every call does
    params: tuple[tuple[str, str], ...] = ()  # fixed path parameters
    query: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    body: Any = None  # JSON
    form: tuple[tuple[str, str], ...] | None = None
    upload: bool = False  # one JPEG as multipart `file`
    content: tuple[str, str] | None = None  # (content type, raw body)

    @property
    def name(self) -> str:
        return f"{self.zh} / {self.en}"


def _only(status: int, *who: str) -> tuple[tuple[str, int], ...]:
    return tuple((w, status) for w in who)


@dataclass(frozen=True)
class CliOnly:
    command: str
    zh: str
    en: str


REPORT_TEXT = "合阳城街道某工地凌晨两点还在打桩，噪音太大"
REPLY_TEXT = "已责令工地停止夜间施工"
REASON = "需要现场核实后处理"
INSPECTION_ROUND = "第三轮中央生态环境保护督察"
CHECK = {"checked_at": "2026-11-26T10:00:00+08:00", "by": "张三、李四"}  # the tests' clock: received then
CALLERS = ("operator", "supervisor", "admin")
DESK = ("dispatcher", "supervisor", "admin")
SUPERVISORS = ("supervisor", "admin")
RECORDERS = ("dispatcher", "admin")  # 调查处理: the department records, not the supervisors
ADMINS = ("admin",)
KNOWLEDGE_READERS = ("operator", "dispatcher", "supervisor", "admin")
KNOWLEDGE_ARTICLE = {"title": "夜间施工噪声投诉的处理时限（矩阵）",
                     "answer": "受理后一个工作日内交办，五个工作日内答复。",
                     "department": "{department}", "status": "internal", "category": "noise",
                     "subcategory": "construction", "keywords": ["夜间施工"]}
# The example call's body is filled in (str.format): {{...}} reaches the server as a placeholder {...}.
REPLY_TEMPLATE = {"name": "建筑施工噪声（矩阵）",
                  "body": "您于{{received_at}}反映的问题（查询码 {{tracking_code}}）已办理。",
                  "category": "noise", "subcategory": "construction"}
CONTACT = ("/api/v1/complaints/{complaint_id}/contact", "回访联系方式（明文电话）", "callback contact (full number)")
WECHAT_QUERY = (("signature", "{wechat_signature}"), ("timestamp", "{wechat_timestamp}"),
                ("nonce", "{wechat_nonce}"))

ACTIONS: tuple[Action, ...] = (
    # --- intake: citizens, channels, sign-in ---------------------------------------------------------
    Action("report_web", "intake", "POST", "/api/v1/complaints", "提交投诉（网页）", "report (web)",
           credential=PUBLIC, ok=201, body={"channel": "web", "content": REPORT_TEXT, "town": "合阳城街道"}),
    Action("report_app", "intake", "POST", "/api/v1/complaints", "提交投诉（App）", "report (app channel)",
           credential=API_KEY, ok=201, headers=(("X-API-Key", "{api_key}"),),
           body={"channel": "app", "content": REPORT_TEXT, "town": "合阳城街道"}),
    Action("track_by_code", "intake", "GET", "/api/v1/complaints/{tracking_code}", "查询进度（查询码）",
           "citizen view by tracking code", credential=TRACKING, unauthenticated=404,
           target="complaint", fresh="always", query=(("phone_last4", "{digits}"),),
           kind=("留了电话", "reporter gave a number"),
           note="wrong or missing digits: the same 404 as an unknown code; guesses are throttled (429)"),
    Action("track_by_code_open311", "intake", "GET", "/api/v1/complaints/{tracking_code}", "查询进度（查询码）",
           "citizen view by tracking code", credential=TRACKING, unauthenticated=404,
           kind=("Open311，未留电话", "Open311 request, no phone"), overrides=_only(404, CITIZEN),
           target="open311_request", fresh="always", query=(("phone_last4", "{digits}"),),
           note="the Open311 feed publishes the code, so alone it opens nothing (the feed shows the request, "
                "redacted)"),
    Action("contact_named", "intake", "GET", *CONTACT, roles=CALLERS, kind=("留了电话", "reporter gave a number"),
           target="case", query=(("purpose", "callback"),),
           note="each read is kept with the reader, the time and the purpose (回访, 核实, 信访, 其他 with a reason)"),
    Action("contact_anonymous", "intake", "GET", *CONTACT, roles=CALLERS, kind=("匿名投诉", "anonymous reporter"),
           overrides=_only(404, OPERATOR, SUPERVISOR, ADMIN), target="anonymous_case", query=(("purpose", "callback"),),
           note="an anonymous reporter is never called: 404 for everyone"),
    Action("contact_patrol", "intake", "GET", *CONTACT, roles=CALLERS, kind=("网格员上报", "patrol finding"),
           overrides=_only(404, OPERATOR, SUPERVISOR, ADMIN), target="patrol_case", query=(("purpose", "callback"),),
           note="a patrol finding has no reporter to call: 404 for everyone"),
    Action("contact_views", "intake", "GET", "/api/v1/complaints/{complaint_id}/contact/views", "联系方式查看记录",
           "who read the contact in clear, when and why", roles=("supervisor", "admin"), target="case"),
    Action("rate_by_code", "intake", "POST", "/api/v1/complaints/{tracking_code}/rating", "评价回复（查询码+凭证）",
           "rate the reply (code + token)", credential=PRIVATE_TOKEN, ok=201, unauthenticated=404,
           target="replied_case", fresh="always",
           body={"rating": "satisfied", "resolution": "resolved", "token": "{token}"}),
    Action("track_by_link", "intake", "GET", "/api/v1/r/{token}", "专属链接查看", "citizen view by private link",
           credential=PRIVATE_TOKEN, unauthenticated=404, target="complaint"),
    Action("rate_by_link", "intake", "POST", "/api/v1/r/{token}/rating", "专属链接评价", "rate by private link",
           credential=PRIVATE_TOKEN, ok=201, unauthenticated=404, target="replied_case", fresh="allowed",
           body={"rating": "satisfied", "resolution": "resolved"}),
    Action("attach", "intake", "POST", "/api/v1/r/{token}/attachments", "上传照片视频", "attach a photo or video",
           credential=PRIVATE_TOKEN, ok=201, unauthenticated=404, target="complaint", upload=True),
    Action("attachment_by_token", "intake", "GET", "/api/v1/attachments/{attachment_id}", "查看附件", "an attachment",
           credential=PRIVATE_TOKEN, unauthenticated=404, kind=("凭 ?token=", "by ?token="),
           target="attachment", query=(("token", "{token}"),),
           note="a staff token sent along is ignored when ?token= is given"),
    Action("attachment_by_staff", "intake", "GET", "/api/v1/attachments/{attachment_id}", "查看附件", "an attachment",
           roles=("operator", "dispatcher", "supervisor", "admin"), scope=OWN_DEPARTMENT, refused=404,
           kind=("工作人员登录", "signed-in staff"), target="attachment",
           note="anyone not allowed gets the 404 of an attachment that does not exist"),
    Action("attachments_list", "intake", "GET", "/api/v1/complaints/{complaint_id}/attachments", "投诉人附件清单",
           "what the citizen attached", roles=("operator", "dispatcher", "supervisor", "admin"), scope=OWN_DEPARTMENT,
           target="case", note="for the desk: ids, kinds and sizes; the bytes are the attachment route's"),
    Action("reference", "intake", "GET", "/api/v1/reference", "镇街与类型", "towns and types", credential=PUBLIC),
    Action("sign_in", "intake", "POST", "/api/v1/auth/token", "登录", "sign in", credential=PASSWORD,
           form=(("username", "supervisor"), ("password", "demo")),
           note="wrong passwords are throttled per user and per address (429)"),
    Action("refresh", "intake", "POST", "/api/v1/auth/refresh", "续期", "a fresh token", roles=ALL_STAFF_ROLES),
    Action("sign_out", "intake", "POST", "/api/v1/auth/logout", "退出登录", "sign out", roles=ALL_STAFF_ROLES, ok=204,
           target="session", note="ends every token of the user, in every service"),
    Action("hotline_call", "intake", "POST", "/api/v1/channels/hotline", "热线来电登记", "hotline call",
           credential=API_KEY, ok=201, headers=(("X-API-Key", "{api_key}"),),
           body={"call_id": "CC-MATRIX-{unique}", "caller_number": "138 1234 1234", "content": REPORT_TEXT,
                 "town": "合阳城街道"}),
    Action("hotline_history", "intake", "GET", "/api/v1/channels/hotline/history", "来电历史", "caller's history",
           roles=CALLERS, query=(("caller", "13812341234"),)),
    Action("patrol_report", "intake", "POST", "/api/v1/channels/grid", "网格巡查上报", "patrol finding",
           roles=("grid_worker",), ok=201, body={"content": "太和镇某河段发现排污口，水体发黑", "category": "water"},
           note="grid workers only, not even admin: the town is the worker's own"),
    Action("patrol_mine", "intake", "GET", "/api/v1/channels/grid/mine", "我的巡查上报", "own patrol findings",
           roles=("grid_worker",)),
    Action("open311_discovery", "intake", "GET", "/open311/v2/discovery.{fmt}", "Open311 服务发现",
           "Open311 discovery", credential=PUBLIC, params=(("fmt", "json"),)),
    Action("open311_services", "intake", "GET", "/open311/v2/services.{fmt}", "Open311 服务列表",
           "Open311 services", credential=PUBLIC, params=(("fmt", "json"),)),
    Action("open311_service", "intake", "GET", "/open311/v2/services/{service_code}.{fmt}", "Open311 服务定义",
           "Open311 service definition", credential=PUBLIC, params=(("service_code", "noise"), ("fmt", "json"))),
    Action("open311_report", "intake", "POST", "/open311/v2/requests.{fmt}", "Open311 提交诉求", "Open311 report",
           credential=API_KEY, ok=201, unauthenticated=403, params=(("fmt", "json"),),
           form=(("api_key", "{api_key}"), ("service_code", "noise.construction"),
                 ("description", "工地夜间打桩，噪音很大"), ("address_string", "合阳城街道南屏路88号")),
           note="the key is the api_key form field; the spec's 403 without it"),
    Action("open311_requests", "intake", "GET", "/open311/v2/requests.{fmt}", "Open311 公开诉求列表",
           "Open311 public feed", credential=PUBLIC, params=(("fmt", "json"),),
           note="only what came in through Open311; texts and addresses redacted"),
    Action("open311_request", "intake", "GET", "/open311/v2/requests/{service_request_id}.{fmt}", "Open311 单个诉求",
           "Open311 one request", credential=PUBLIC, target="open311_request", params=(("fmt", "json"),)),
    Action("wechat_verify", "intake", "GET", "/api/v1/channels/wechat", "微信服务器校验", "WeChat URL check",
           credential=WECHAT, unauthenticated=403, query=(*WECHAT_QUERY, ("echostr", "matrix")),
           note="404 for everyone while WECHAT_TOKEN is unset"),
    Action("wechat_message", "intake", "POST", "/api/v1/channels/wechat", "微信消息回调", "WeChat message",
           credential=WECHAT, unauthenticated=403, query=WECHAT_QUERY,
           content=("text/xml", "{wechat_message}"), note="404 for everyone while WECHAT_TOKEN is unset"),
    Action("upstream_cases", "intake", "GET", "/api/v1/upstream/cases", "上级平台转办件", "upstream platforms' cases",
           roles=SUPERVISORS, query=(("open", "true"),),
           note="with the platform's deadlines beside ours (docs/upstream.md)"),
    Action("upstream_reconciliations", "intake", "GET", "/api/v1/upstream/reconciliations", "上级平台对账结果",
           "upstream reconciliation reports", roles=SUPERVISORS),
    # --- intake: the knowledge base (知识库) and reply templates (答复口径), docs/knowledge.md ---------------
    Action("knowledge_search", "intake", "GET", "/api/v1/knowledge/articles", "知识库检索", "search the knowledge base",
           roles=KNOWLEDGE_READERS, query=(("q", "夜间施工噪声"),),
           note="drafts only for their own department's dispatchers, supervisors and admins"),
    Action("knowledge_write", "intake", "POST", "/api/v1/knowledge/articles", "新建知识条目", "write an article",
           roles=DESK, scope=OWN_DEPARTMENT, other_department=403, ok=201, body=KNOWLEDGE_ARTICLE,
           note="a dispatcher writes for the own department only"),
    Action("knowledge_article", "intake", "GET", "/api/v1/knowledge/articles/{article_id}", "知识条目及版本",
           "one article with its versions", roles=KNOWLEDGE_READERS, target="article",
           note="an internal article: every member of staff but grid workers"),
    Action("knowledge_revise", "intake", "PUT", "/api/v1/knowledge/articles/{article_id}", "修改知识条目",
           "a new version of an article", roles=DESK, scope=OWN_DEPARTMENT, other_department=403, target="article",
           body=KNOWLEDGE_ARTICLE, note="other departments read, never edit"),
    Action("knowledge_reviews", "intake", "GET", "/api/v1/knowledge/reviews", "知识复核提醒", "articles due for review",
           roles=DESK, note="a dispatcher sees the own department's"),
    Action("knowledge_consult", "intake", "POST", "/api/v1/knowledge/consultations", "咨询直接办结",
           "consultation closed on the spot", roles=CALLERS, ok=201, target="public_article",
           body={"question": "夜间施工投诉多久处理？", "article_id": "{article_id}"},
           note="not a complaint: never routed, outside the targets"),
    Action("knowledge_public", "intake", "GET", "/api/v1/knowledge/public", "公开知识检索", "search public articles",
           credential=PUBLIC, query=(("q", "油烟"),)),
    Action("knowledge_public_article", "intake", "GET", "/api/v1/knowledge/public/{article_id}", "公开知识条目",
           "one public article", credential=PUBLIC, target="public_article"),
    Action("reply_templates", "intake", "GET", "/api/v1/knowledge/templates", "答复口径", "reply templates",
           roles=DESK, query=(("category", "noise"),)),
    Action("reply_template_write", "intake", "POST", "/api/v1/knowledge/templates", "新建答复口径",
           "write a reply template", roles=SUPERVISORS, ok=201, body=REPLY_TEMPLATE),
    Action("reply_template_revise", "intake", "PUT", "/api/v1/knowledge/templates/{template_id}", "修改答复口径",
           "change a reply template", roles=SUPERVISORS, target="template", body=REPLY_TEMPLATE),
    Action("reply_template_render", "intake", "POST", "/api/v1/knowledge/templates/{template_id}/render",
           "按案件填写答复口径", "fill a template with a case's facts", roles=DESK, scope=OWN_DEPARTMENT,
           target="template_case", body={"complaint_id": "{complaint_id}"},
           note="another department's case: the 404 of one that does not exist"),
    # --- routing: the desk, triage, the directory, the rule book -------------------------------------
    Action("queue", "routing", "GET", "/api/v1/queues/{department}", "部门待办", "department queue", roles=DESK,
           scope=OWN_DEPARTMENT, other_department=403, note="another department's queue: 403"),
    Action("case_detail", "routing", "GET", "/api/v1/cases/{complaint_id}", "案件详情", "case detail",
           roles=("operator", "dispatcher", "supervisor", "admin"), scope=OWN_DEPARTMENT,
           kind=("已交办", "assigned"), target="case",
           note="operators read any case (read only, for callbacks); another department's case: 404"),
    Action("case_detail_triage", "routing", "GET", "/api/v1/cases/{complaint_id}", "案件详情", "case detail",
           roles=("operator", "dispatcher", "supervisor", "admin"), scope=OWN_DEPARTMENT,
           kind=("待分拨", "in triage"), overrides=_only(404, DISPATCHER_OWN),
           target="triage_case", note="a case in triage is with no department: no dispatcher sees it"),
    Action("case_detail_assisting", "routing", "GET", "/api/v1/cases/{complaint_id}", "案件详情", "case detail",
           roles=("operator", "dispatcher", "supervisor", "admin"), scope=OWN_DEPARTMENT,
           kind=("本部门协办", "own dept. asked to assist"), target="assist_case",
           note="a department asked to assist (协办) reads the lead's case"),
    Action("duplicates", "routing", "GET", "/api/v1/cases/{complaint_id}/duplicates", "疑似重复件",
           "duplicate candidates", roles=DESK, scope=OWN_DEPARTMENT, target="case"),
    Action("accept", "routing", "POST", "/api/v1/cases/{complaint_id}/accept", "签收", "accept", roles=DESK,
           scope=OWN_DEPARTMENT, target="case", fresh="allowed"),
    Action("reply", "routing", "POST", "/api/v1/cases/{complaint_id}/reply", "回复", "reply", roles=DESK,
           scope=OWN_DEPARTMENT, target="case", fresh="allowed", body={"reply": REPLY_TEXT}),
    Action("reply_as_assistant", "routing", "POST", "/api/v1/cases/{complaint_id}/reply", "回复", "reply",
           roles=DESK, scope=OWN_DEPARTMENT, kind=("本部门协办", "own dept. asked to assist"),
           overrides=_only(404, DISPATCHER_OWN), target="assist_case", fresh="allowed", body={"reply": REPLY_TEXT},
           note="an assisting department answers the lead (协办意见), never the citizen: 404"),
    Action("add_photo", "routing", "POST", "/api/v1/cases/{complaint_id}/photos", "上传办理照片",
           "a photo for the reply", roles=DESK, scope=OWN_DEPARTMENT, ok=201, target="case", upload=True),
    Action("photo", "routing", "GET", "/api/v1/cases/{complaint_id}/photos/{photo_id}", "查看办理照片",
           "a reply photo", roles=("operator", "dispatcher", "supervisor", "admin"), scope=OWN_DEPARTMENT,
           target="reply_photo", note="operators read any case's photos, as its detail, for callbacks"),
    Action("published_photo", "routing", "GET", "/api/v1/reply-photos/{photo_id}", "市民查看回复照片",
           "a reply photo, with the reply sent", credential=PUBLIC, target="replied_photo",
           note="the photo's random id (122 bits) is what opens it: it reaches the citizen with the reply; "
                "a photo of a reply not sent yet is 404 like an unknown one"),
    Action("return", "routing", "POST", "/api/v1/cases/{complaint_id}/return", "退单", "return", roles=DESK,
           scope=OWN_DEPARTMENT, target="case", fresh="allowed", body={"reason": "不属于本部门职责"}),
    Action("request_extension", "routing", "POST", "/api/v1/cases/{complaint_id}/extension", "申请延期",
           "ask for more time", roles=DESK, scope=OWN_DEPARTMENT, target="accepted_case", fresh="allowed",
           body={"working_days": 2, "reason": REASON}),
    Action("merge", "routing", "POST", "/api/v1/cases/{complaint_id}/merge", "并单", "merge a duplicate",
           roles=DESK, scope=OWN_DEPARTMENT, target="case_pair", fresh="allowed",
           kind=("两件同在本部门", "both in the department"), body={"master_id": "{master_id}", "reason": "同一工地"},
           note="a dispatcher: both cases in the own department"),
    Action("merge_across", "routing", "POST", "/api/v1/cases/{complaint_id}/merge", "并单", "merge a duplicate",
           roles=DESK, scope=OWN_DEPARTMENT, target="cross_pair", fresh="allowed",
           kind=("主案件在他部门", "master in another department"), overrides=_only(404, DISPATCHER_OWN),
           body={"master_id": "{master_id}", "reason": "同一工地"},
           note="another department's master is as absent as its case: 404"),
    Action("request_assist", "routing", "POST", "/api/v1/cases/{complaint_id}/assists", "请求协办",
           "ask other departments to assist", roles=DESK, scope=OWN_DEPARTMENT, target="case", fresh="allowed",
           body={"departments": ["{other_department}"], "note": "请协助核查排污情况"}),
    Action("reply_assist", "routing", "POST", "/api/v1/cases/{complaint_id}/assist/reply", "协办意见",
           "an assisting department's answer", roles=DESK, scope=OWN_DEPARTMENT,
           kind=("本部门协办", "own dept. asked to assist"), target="assist_case", fresh="allowed",
           body={"reply": "已配合现场核查", "department": "{department}"},
           note="a dispatcher answers for the own department only; a supervisor names the department"),
    Action("assist_queue", "routing", "GET", "/api/v1/assists/{department}", "协办待办", "assist queue", roles=DESK,
           scope=OWN_DEPARTMENT, other_department=403, note="another department's assist queue: 403"),
    Action("approve_extension", "routing", "POST", "/api/v1/cases/{complaint_id}/extension/{decision}", "批准延期",
           "approve an extension", roles=SUPERVISORS, target="extension_case", fresh="allowed",
           params=(("decision", "approve"),)),
    Action("refuse_extension", "routing", "POST", "/api/v1/cases/{complaint_id}/extension/{decision}", "驳回延期",
           "refuse an extension", roles=SUPERVISORS, target="extension_case", fresh="allowed",
           params=(("decision", "refuse"),)),
    Action("triage", "routing", "GET", "/api/v1/triage", "待分拨列表", "triage list", roles=SUPERVISORS),
    # 派单异议 and 挂起 (paused clocks, docs/metrics.md): the department acts, supervisors decide disputes
    Action("dispute", "routing", "POST", "/api/v1/cases/{complaint_id}/dispute", "派单异议",
           "contest the assignment before signing", roles=RECORDERS, scope=OWN_DEPARTMENT, target="case",
           fresh="allowed", body={"reason": "不属于本部门职责，应由属地镇街处理"}),
    Action("dispute_uphold", "routing", "POST", "/api/v1/cases/{complaint_id}/dispute/uphold", "维持派单",
           "uphold a disputed assignment", roles=SUPERVISORS, target="disputed_case", fresh="allowed",
           body={"note": "属于本部门职责"}),
    Action("dispute_reassign", "routing", "POST", "/api/v1/cases/{complaint_id}/dispute/reassign", "异议改派",
           "reassign a disputed case", roles=SUPERVISORS, target="disputed_case", fresh="allowed",
           body={"department": "{other_department}", "note": "属地管理"}),
    Action("disputes", "routing", "GET", "/api/v1/triage/disputes", "异议待裁定", "disputed assignments",
           roles=SUPERVISORS),
    Action("suspend", "routing", "POST", "/api/v1/cases/{complaint_id}/suspend", "挂起",
           "suspend: wait for the citizen", roles=RECORDERS, scope=OWN_DEPARTMENT, target="accepted_case",
           fresh="allowed", body={"reason": "materials"}),
    Action("resume", "routing", "POST", "/api/v1/cases/{complaint_id}/resume", "恢复", "resume a suspended case",
           roles=RECORDERS, scope=OWN_DEPARTMENT, target="suspended_case", fresh="allowed"),
    Action("extensions", "routing", "GET", "/api/v1/extensions", "延期待审批", "pending extensions", roles=SUPERVISORS),
    # 突发环境事件 (docs/incidents.md): hotline operators may declare; the department and supervisors clear and refer
    Action("incident_declare", "routing", "POST", "/api/v1/cases/{complaint_id}/incident", "宣布突发环境事件",
           "declare a sudden environmental incident", roles=KNOWLEDGE_READERS, scope=OWN_DEPARTMENT, target="case",
           fresh="allowed", body={"reason": "来电称化工厂有刺鼻气体泄漏"},
           note="operators and supervisors for any open case; a dispatcher for the own department's"),
    Action("incident_clear", "routing", "POST", "/api/v1/cases/{complaint_id}/incident/clear", "解除突发环境事件",
           "clear a false alarm", roles=DESK, scope=OWN_DEPARTMENT, target="incident_case", fresh="allowed",
           body={"reason": "误报：现场为正常检修排气"}),
    Action("incident_referral", "routing", "POST", "/api/v1/cases/{complaint_id}/incident/referrals",
           "登记联动110/119/120", "record a referral to 110/119/120", roles=DESK, scope=OWN_DEPARTMENT,
           target="incident_case", body={"target": "119", "called_at": CHECK["checked_at"], "by": "张三"}),
    # 督办 clocks from signing (docs/metrics.md): 已联系群众 stops the first-contact clock
    Action("contact", "routing", "POST", "/api/v1/cases/{complaint_id}/contact", "已联系群众",
           "record a contact with the citizen", roles=DESK, scope=OWN_DEPARTMENT, target="case", fresh="allowed",
           body={"method": "phone"}),
    Action("progress", "routing", "POST", "/api/v1/cases/{complaint_id}/progress", "记录阶段性进展",
           "note a long case's progress", roles=DESK, scope=OWN_DEPARTMENT, target="case", fresh="allowed",
           body={"note": "已约谈企业负责人，整改方案下周提交"}),
    Action("assign", "routing", "POST", "/api/v1/cases/{complaint_id}/assign", "人工分拨", "assign", roles=SUPERVISORS,
           target="triage_case", fresh="allowed",
           body={"department": "{department}", "category": "noise", "subcategory": "construction"}),
    Action("reject", "routing", "POST", "/api/v1/cases/{complaint_id}/reject", "不予受理", "reject",
           roles=SUPERVISORS, target="triage_case", fresh="allowed", body={"reason": "不属于生态环境投诉范围"}),
    Action("forward", "routing", "POST", "/api/v1/cases/{complaint_id}/forward", "转办", "forward",
           roles=SUPERVISORS, target="triage_case", fresh="allowed", body={"body": "区人力社保局"}),
    Action("transfer", "routing", "POST", "/api/v1/cases/{complaint_id}/transfer", "改派", "transfer",
           roles=SUPERVISORS, target="case", fresh="allowed",
           body={"department": "{other_department}", "reason": "属于其他部门职责"}),
    Action("backlog", "routing", "GET", "/api/v1/backlog", "积案", "backlog", roles=SUPERVISORS),
    Action("give_to_leader", "routing", "POST", "/api/v1/cases/{complaint_id}/leader", "领导包案",
           "give a case to a leader", roles=SUPERVISORS, target="case", fresh="allowed",
           body={"leader": "张三（副局长）", "plan": "本周内现场督办，责令停止夜间施工"}),
    # 信访件 (petitions): supervisors do every step; the case's own dispatcher reads the file and documents
    Action("register_petition", "routing", "POST", "/api/v1/cases/{complaint_id}/petition", "登记信访件",
           "register a petition", roles=SUPERVISORS, ok=201, target="case", fresh="allowed", body={}),
    Action("petition", "routing", "GET", "/api/v1/cases/{complaint_id}/petition", "信访件办理情况", "a petition",
           roles=DESK, scope=OWN_DEPARTMENT, target="petition"),
    Action("petition_document", "routing", "GET", "/api/v1/cases/{complaint_id}/petition/documents/{step_id}.docx",
           "信访文书", "a petition's document", roles=DESK, scope=OWN_DEPARTMENT, target="petition",
           params=(("step_id", "1"),)),
    Action("petition_acceptance", "routing", "POST", "/api/v1/cases/{complaint_id}/petition/acceptance",
           "信访受理告知", "accept a petition", roles=SUPERVISORS, target="petition", fresh="allowed",
           body={"accepted": True, "reason": "属于本机关职责，予以受理"}),
    Action("petition_extension", "routing", "POST", "/api/v1/cases/{complaint_id}/petition/extension",
           "信访延期", "extend a petition", roles=SUPERVISORS, target="accepted_petition", fresh="allowed",
           body={"days": 10, "reason": "需要委托监测"}),
    Action("petition_reply", "routing", "POST", "/api/v1/cases/{complaint_id}/petition/reply", "处理意见书",
           "a petition's written reply", roles=SUPERVISORS, target="accepted_petition", fresh="allowed",
           body={"text": "经调查，反映情况属实，已责令整改"}),
    Action("petition_review_request", "routing", "POST", "/api/v1/cases/{complaint_id}/petition/review-request",
           "复查请求", "a review request", roles=SUPERVISORS, target="replied_petition", fresh="allowed",
           body={"text": "对处理意见不服，请求复查"}),
    Action("petition_review", "routing", "POST", "/api/v1/cases/{complaint_id}/petition/review", "复查意见书",
           "the review opinion", roles=SUPERVISORS, target="review_requested_petition", fresh="allowed",
           body={"text": "经复查，维持原处理意见"}),
    Action("petition_rereview_request", "routing", "POST",
           "/api/v1/cases/{complaint_id}/petition/rereview-request", "复核请求", "a re-review request",
           roles=SUPERVISORS, target="reviewed_petition", fresh="allowed", body={"text": "对复查意见不服，请求复核"}),
    Action("petition_rereview", "routing", "POST", "/api/v1/cases/{complaint_id}/petition/rereview", "复核意见书",
           "the re-review opinion", roles=SUPERVISORS, target="rereview_requested_petition", fresh="allowed",
           body={"text": "经复核，维持复查意见，本件终结"}),
    Action("petitions", "routing", "GET", "/api/v1/petitions", "信访件列表", "petitions", roles=SUPERVISORS),
    # 调查处理 (investigations): the department that has the case records; supervisors read and sign off (销号)
    Action("investigation", "routing", "GET", "/api/v1/cases/{complaint_id}/investigation", "调查处理记录",
           "a case's investigation", roles=DESK, scope=OWN_DEPARTMENT, target="case",
           note="an empty file (started: false) until something is recorded"),
    Action("investigation_add_photo", "routing", "POST", "/api/v1/cases/{complaint_id}/investigation/photos",
           "上传现场或复查照片", "an on-site or re-check photo", roles=RECORDERS, scope=OWN_DEPARTMENT, ok=201,
           target="case", upload=True, note="kept in the reply photos' file store"),
    Action("investigation_photo", "routing", "GET",
           "/api/v1/cases/{complaint_id}/investigation/photos/{photo_id}", "查看现场或复查照片",
           "an investigation photo", roles=DESK, scope=OWN_DEPARTMENT, target="investigation_photo"),
    Action("investigation_check", "routing", "POST", "/api/v1/cases/{complaint_id}/investigation/checks",
           "记录现场核查", "an on-site check", roles=RECORDERS, scope=OWN_DEPARTMENT, ok=201, target="case",
           body=CHECK, note="supervisors read and sign off; the department records"),
    Action("investigation_finding", "routing", "POST", "/api/v1/cases/{complaint_id}/investigation/finding",
           "记录调查结论", "the finding", roles=RECORDERS, scope=OWN_DEPARTMENT, target="checked_case",
           fresh="allowed", body={"finding": "true", "note": "夜间违规施工属实"}),
    Action("investigation_action", "routing", "POST", "/api/v1/cases/{complaint_id}/investigation/actions",
           "记录处理措施", "an action (rectify, penalty, transfer)", roles=RECORDERS, scope=OWN_DEPARTMENT, ok=201,
           target="found_case",
           body={"kind": "penalty", "amount_yuan": "20000.00", "case_number": "渝合环罚〔2026〕1号"}),
    Action("investigation_recheck", "routing", "POST", "/api/v1/cases/{complaint_id}/investigation/rechecks",
           "记录复查", "a re-check", roles=RECORDERS, scope=OWN_DEPARTMENT, ok=201, target="acted_case",
           body={**CHECK, "result": "not_rectified"}),
    Action("investigation_sign_off", "routing", "POST", "/api/v1/cases/{complaint_id}/investigation/sign-off",
           "销号", "sign off", roles=SUPERVISORS, target="rectified_case", fresh="allowed", body={},
           note="only after a re-check found it rectified (or a finding of 不属实)"),
    # 被举报企业 (reported firms, docs/firms.md): the desk's roles keep the register; the department that has a case
    # (or a supervisor) links it to a firm
    Action("firms", "routing", "GET", "/api/v1/firms", "被举报企业名录", "reported firms", roles=DESK,
           query=(("q", "建材"),)),
    Action("register_firm", "routing", "POST", "/api/v1/firms", "登记被举报企业", "register a firm", roles=DESK,
           ok=201, target="firm_code", fresh="always",
           body={"name": "矩阵测试建材有限公司{unique}", "credit_code": "{credit_code}", "address": "太和镇工业园1号",
                 "town": "taihe", "industry": "建材"}, note="a credit code with a wrong check character: 422"),
    Action("firm", "routing", "GET", "/api/v1/firms/{firm_id}", "企业详情与被举报记录", "a firm and its cases",
           roles=DESK, target="firm_case"),
    Action("edit_firm", "routing", "PATCH", "/api/v1/firms/{firm_id}", "修改企业信息", "edit a firm", roles=DESK,
           target="firm_case", body={"industry": "水泥制品"}),
    Action("case_firm", "routing", "GET", "/api/v1/cases/{complaint_id}/firm", "案件关联企业", "a case's firm",
           roles=DESK, scope=OWN_DEPARTMENT, target="firm_case"),
    Action("link_firm", "routing", "PUT", "/api/v1/cases/{complaint_id}/firm", "关联被举报企业",
           "link a case to a firm", roles=DESK, scope=OWN_DEPARTMENT, target="firm_case", fresh="allowed",
           body={"firm_id": "{firm_id}"}, note="audited in the case's history; notify counts it (重复被举报)"),
    Action("unlink_firm", "routing", "DELETE", "/api/v1/cases/{complaint_id}/firm", "取消关联企业",
           "remove a case's firm", roles=DESK, scope=OWN_DEPARTMENT, target="linked_firm_case", fresh="allowed"),
    # 举报奖励 (rewards for reporters, docs/rewards.md): who reported is confidential, supervisors alone see and decide
    Action("rewards", "routing", "GET", "/api/v1/rewards", "举报奖励列表", "rewards for reporters", roles=SUPERVISORS,
           query=(("status", "eligible"),)),
    Action("reward", "routing", "GET", "/api/v1/rewards/{reward_id}", "举报奖励详情", "a reward", roles=SUPERVISORS,
           target="reward"),
    Action("approve_reward", "routing", "POST", "/api/v1/rewards/{reward_id}/approve", "审批举报奖励",
           "approve a reward", roles=SUPERVISORS, target="reward", fresh="allowed",
           body={"amount_yuan": "500", "reason": "权限矩阵测试"}, note="the first reporter is told by SMS"),
    Action("reject_reward", "routing", "POST", "/api/v1/rewards/{reward_id}/reject", "不予奖励", "refuse a reward",
           roles=SUPERVISORS, target="reward", fresh="allowed", body={"reason": "权限矩阵测试"}),
    Action("pay_reward", "routing", "POST", "/api/v1/rewards/{reward_id}/payment", "登记奖励发放",
           "record a reward's payment", roles=SUPERVISORS, target="approved_reward", fresh="allowed",
           body={"claimed_on": "2026-11-26", "paid_on": "2026-11-26", "method": "cash", "paid_by": "财务科"}),
    Action("lapse_reward", "routing", "POST", "/api/v1/rewards/{reward_id}/lapse", "登记奖励逾期失效",
           "record a reward's lapse", roles=SUPERVISORS, target="overdue_reward", fresh="allowed", body={},
           note="only after the claim's last day (90 days from the approval)"),
    # 督察交办件 (inspection cases): supervisors register and update them; the 边督边改 table of published batches is
    # public (scrubbed of personal data)
    Action("register_inspection", "routing", "POST", "/api/v1/cases/{complaint_id}/inspection", "登记督察交办件",
           "register an inspection case", roles=SUPERVISORS, ok=201, target="case", fresh="allowed",
           body={"kind": "central", "round_name": INSPECTION_ROUND, "batch": 1, "number": "MATRIX-{unique}",
                 "report_due": "2026-12-10"}),
    Action("inspections", "routing", "GET", "/api/v1/inspections", "督察交办件列表", "inspection cases",
           roles=SUPERVISORS, query=(("batch", "1"), ("key", "true"))),
    Action("inspection_batches", "routing", "GET", "/api/v1/inspections/batches", "督察交办批次",
           "inspection batches with their counts", roles=SUPERVISORS),
    Action("inspection", "routing", "GET", "/api/v1/inspections/{complaint_id}", "督察交办件办理情况",
           "an inspection case", roles=SUPERVISORS, target="inspection"),
    Action("inspection_progress", "routing", "POST", "/api/v1/inspections/{complaint_id}/progress",
           "更新督察交办件办理情况", "an inspection case's progress", roles=SUPERVISORS, target="inspection",
           fresh="allowed", body={"finding": "true", "penalty_cases": 1, "fine_yuan": "5000"}),
    Action("publish_inspections", "routing", "POST", "/api/v1/inspections/batches/publish", "公开督察交办批次",
           "publish a batch", roles=SUPERVISORS, target="inspection",
           body={"round_name": INSPECTION_ROUND, "batch": 1}),
    Action("public_inspections", "routing", "GET", "/api/v1/inspections/public", "边督边改公开表",
           "public inspection table", credential=PUBLIC, query=(("batch", "1"),),
           note="published batches only, the complaint's text scrubbed of names, numbers and house numbers"),
    Action("public_inspections_xlsx", "routing", "GET", "/api/v1/inspections/public.xlsx", "边督边改公开表（Excel）",
           "public inspection table (.xlsx)", credential=PUBLIC, query=(("batch", "1"),)),
    Action("classify", "routing", "POST", "/api/v1/classify", "智能分类", "classify text", credential=PUBLIC,
           body={"content": REPORT_TEXT}),
    Action("departments", "routing", "GET", "/api/v1/departments", "部门目录", "department directory",
           roles=("operator", "dispatcher", "supervisor", "admin")),
    Action("add_department", "routing", "POST", "/api/v1/departments", "新增部门", "add a department", roles=ADMINS,
           ok=201, body={"code": "matrix_{unique}", "name": "矩阵测试单位{unique}"}),
    Action("change_department", "routing", "PATCH", "/api/v1/departments/{code}", "修改部门", "change a department",
           roles=ADMINS, target="department", body={"name": "矩阵测试单位（改名）"}),
    Action("rules", "routing", "GET", "/api/v1/rules", "分拨规则", "routing rules", roles=SUPERVISORS),
    Action("add_rule", "routing", "POST", "/api/v1/rules", "新增规则", "add a rule", roles=ADMINS, ok=201,
           body={"category": "noise", "subcategory": "construction", "town": "taihe", "department": "town",
                 "reason": "权限矩阵测试"}),
    Action("change_rule", "routing", "PATCH", "/api/v1/rules/{rule_id}", "修改规则", "change a rule", roles=ADMINS,
           target="rule", body={"note": "权限矩阵测试", "reason": "权限矩阵测试"}),
    Action("rule_history", "routing", "GET", "/api/v1/rules/history", "规则变更记录", "rule history",
           roles=SUPERVISORS),
    Action("rules_dry_run", "routing", "POST", "/api/v1/rules/dry-run", "规则试运行", "rules dry run",
           roles=SUPERVISORS, body={"add": [{"category": "noise", "subcategory": "construction", "town": "taihe",
                                             "department": "town"}]}),
    # --- notify: targets, alerts, callbacks, problem list, reports ------------------------------------
    Action("metrics", "notify", "GET", "/api/v1/metrics/sla", "三项指标", "the three targets", roles=SUPERVISORS),
    Action("alerts", "notify", "GET", "/api/v1/alerts", "预警（可见范围）", "alerts (all one may see)",
           roles=("dispatcher", "supervisor", "admin"), note="dispatchers see their own department's"),
    Action("alerts_of_department", "notify", "GET", "/api/v1/alerts", "预警（指定部门）", "alerts of a department",
           roles=("dispatcher", "supervisor", "admin"), scope=OWN_DEPARTMENT, other_department=403,
           kind=("指定 ?department=", "with ?department="), query=(("department", "{department}"),)),
    Action("trend", "notify", "GET", "/api/v1/metrics/sla/trend", "指标趋势", "targets per week or month",
           roles=SUPERVISORS),
    Action("figure_cases", "notify", "GET", "/api/v1/metrics/sla/cases", "指标背后的案件", "cases behind a figure",
           roles=SUPERVISORS, query=(("figure", "on_time_reply_rate"),)),
    Action("assessments", "notify", "GET", "/api/v1/assessments", "考核排名", "assessment of units",
           roles=SUPERVISORS, query=(("month", "2026-11"),)),
    Action("deadlines", "notify", "GET", "/api/v1/metrics/deadlines", "超期与临期", "overdue and due soon",
           roles=SUPERVISORS),
    Action("callbacks", "notify", "GET", "/api/v1/callbacks", "回访清单", "callbacks", roles=CALLERS),
    Action("callback", "notify", "GET", "/api/v1/callbacks/{complaint_id}/{reply_round}", "一件回访", "one callback",
           roles=CALLERS, target="callback"),
    Action("record_call", "notify", "POST", "/api/v1/callbacks/{complaint_id}/{reply_round}/calls", "记录回访电话",
           "record a callback call", roles=CALLERS, ok=201, target="callback", fresh="allowed",
           body={"outcome": "no_answer"}),
    Action("rating_reviews", "notify", "GET", "/api/v1/metrics/satisfaction/reviews", "不满意评价与审核",
           "unsatisfied ratings and their reviews", roles=SUPERVISORS),
    Action("rating_review", "notify", "GET", "/api/v1/metrics/satisfaction/reviews/{complaint_id}/{reply_round}",
           "一轮评价的审核记录", "one round's review and audit trail", roles=SUPERVISORS, target="unsatisfied_round"),
    Action("mark_unreasonable", "notify", "POST",
           "/api/v1/metrics/satisfaction/reviews/{complaint_id}/{reply_round}", "标记不合理差评",
           "mark an unsatisfied rating unreasonable", roles=SUPERVISORS, ok=201, target="unsatisfied_round",
           fresh="allowed", body={"reason": "权限矩阵测试：诉求超出法定职责"}),
    Action("withdraw_unreasonable", "notify", "POST",
           "/api/v1/metrics/satisfaction/reviews/{complaint_id}/{reply_round}/withdraw", "撤销不合理差评",
           "withdraw the mark", roles=SUPERVISORS, target="marked_round", fresh="allowed",
           body={"reason": "权限矩阵测试：复核后撤销"}),
    Action("hotspots", "notify", "GET", "/api/v1/hotspots", "问题清单", "problem list", roles=SUPERVISORS),
    Action("hotspot_cases", "notify", "GET", "/api/v1/hotspots/{key}/cases", "问题清单相关案件",
           "the cases behind a hotspot", roles=SUPERVISORS, target="hotspot"),
    Action("change_hotspot", "notify", "PATCH", "/api/v1/hotspots/{key}", "包案与整改", "owner and plan of a hotspot",
           roles=SUPERVISORS, target="hotspot", body={"plan": "夜间巡查，责令停工"}),
    Action("monthly_report", "notify", "GET", "/api/v1/reports/monthly", "月报", "monthly report (.xlsx)",
           roles=SUPERVISORS, query=(("month", "2026-11"),)),
    Action("consultation_report", "notify", "GET", "/api/v1/reports/consultations", "直接办结统计",
           "consultations closed on the spot", roles=SUPERVISORS, query=(("month", "2026-11"),)),
    Action("public_monthly", "notify", "GET", "/api/v1/public/monthly", "主动公开", "public monthly disclosure",
           credential=PUBLIC),
    # --- the process -----------------------------------------------------------------------------------
    Action("healthz", "app", "GET", "/healthz", "存活检查", "liveness", credential=PUBLIC),
    Action("readyz", "app", "GET", "/readyz", "就绪检查", "readiness", credential=PUBLIC),
    Action("prometheus", "app", "GET", "/metrics", "Prometheus 指标", "Prometheus metrics", credential=PUBLIC,
           note="on the service port only with EXPOSE_METRICS (the default); the gateway and the Ingress do not "
                "publish /healthz, /readyz or /metrics (docs/deploy.md)"),
)

# What staff cannot do over HTTP at all: the command line on the server (services/cli.py).
CLI_ONLY: tuple[CliOnly, ...] = (
    CliOnly("complaints import", "导入历史案件", "import the older system's cases"),
    CliOnly("complaints upstream pull / reconcile / cases / pushes / replay", "上级平台：拉取、对账、推送重发",
            "upstream platforms: pull, reconcile, list, send an action again"),
    CliOnly("complaints outbound list / replay", "查看、重发外发消息", "outbound messages: list, send again"),
    CliOnly("complaints users add / passwd / deactivate / list", "工作人员账号", "staff accounts"),
    CliOnly("complaints apikeys add / list / revoke", "客户端密钥", "client API keys"),
    CliOnly("complaints dlq list / replay", "死信查看与重放", "dead letters: list, replay"),
    CliOnly("complaints report --month", "导出月报", "the monthly report (also over HTTP, supervisors)"),
)

SERVICES = (("intake", "受理 intake"), ("routing", "分拨与办理 routing"), ("notify", "督办与统计 notify"),
            ("app", "进程 the process"))


# --- the cells ------------------------------------------------------------------------------------------


def expected(action: Action, who: str) -> int | None:
    """The exact status `who` gets from `action`; None where the column does not apply (a citizen's
    credential has no place in the request, or one signs in without a token)."""
    overridden = dict(action.overrides)
    if who in overridden:
        return overridden[who]
    credential = action.credential
    if who == CITIZEN:
        return action.ok if credential in CITIZEN_CREDENTIALS else None
    if credential == PUBLIC:
        return action.ok
    if credential == PASSWORD:
        return action.ok if who in (ANONYMOUS, CLIENT) else None
    if who == ANONYMOUS:
        return action.unauthenticated
    if who == CLIENT:
        return action.ok if credential in CLIENT_CREDENTIALS else action.unauthenticated
    if credential != STAFF:  # a staff token opens no citizen's or client's route
        return action.unauthenticated
    if ROLE_OF[who] not in action.roles:
        return action.refused
    if action.scope == OWN_DEPARTMENT and who == DISPATCHER_OTHER:
        return action.other_department
    return action.ok


def allowed(status: int | None) -> bool:
    return status is not None and 200 <= status < 300


def tested_who(action: Action) -> list[str]:
    """The columns with a cell to test: every applicable one, the other department's dispatcher only where
    the department matters (elsewhere both dispatchers are the same caller)."""
    found = [who for who in WHO if expected(action, who) is not None]
    if action.scope != OWN_DEPARTMENT and DISPATCHER_OTHER not in dict(action.overrides):
        found = [who for who in found if who != DISPATCHER_OTHER]
    return found


def cells() -> list[tuple[Action, str]]:
    return [(action, who) for action in ACTIONS for who in tested_who(action)]


# --- the document ---------------------------------------------------------------------------------------


def _cell(status: int | None) -> str:
    if status is None:
        return "—"
    return f"✓ {status}" if allowed(status) else f"✗ {status}"


def _roles_text(action: Action) -> str:
    if action.credential != STAFF:
        return CREDENTIAL_LABELS[action.credential][0] + " / " + CREDENTIAL_LABELS[action.credential][1]
    scope = "（派单员限本部门 / dispatchers: own dept.）" if action.scope == OWN_DEPARTMENT else ""
    return ", ".join(action.roles) + scope


def render() -> str:
    head = [f"{zh}<br>{en}" for zh, en in (WHO_LABELS[w] for w in WHO)]
    lines = [
        "# 权限矩阵 — Access matrix",
        "",
        "<!-- Written by `python -m shared.access_matrix` from shared/access_matrix.py; do not edit by hand. -->",
        "",
        "Who may do what over HTTP: every route of the three services, the roles and credentials it takes, and",
        "the exact status each kind of caller gets. One table in `shared/access_matrix.py` writes this page and",
        "drives `tests/security/test_access_matrix.py`, which makes the real call for every cell against the",
        "embedded system (and fails when a route exists that the table does not list, or this page is stale).",
        "",
        "## 说明 / How to read it",
        "",
        "- `✓ 200` the call is allowed and answers that status; `✗ 403` it is refused with that status; `—` the",
        "  column does not apply (a citizen's token has no place in the request; one signs in without a token).",
        "- 未登录 / anonymous: no credential at all (or a wrong citizen token). 市民凭证 / citizen: the private",
        "  token, or the tracking code and the phone's last four digits. 接入系统 / client system: a client API",
        "  key (`X-API-Key`, Open311's `api_key`) or WeChat's signature; a key never stands in for a sign-in.",
        "- 派单员·本部门 / ·他部门: a dispatcher of the department the case or queue is with, and of another one.",
        "  Another department's case answers **404**, as if it did not exist (its existence is not disclosed);",
        "  another department's queue or alerts answer 403 (department codes are public).",
        "- Refused roles get 403, except where a 404 hides the thing asked for (attachments). `admin` passes every",
        "  role check except the grid workers' (a finding is reported in the worker's own town).",
        "- Staff sign in at `POST /api/v1/auth/token` and send `Authorization: Bearer <token>`; a token of a",
        "  signed-out or deactivated user, or after a new password, is refused (401) in every service.",
        "",
    ]
    for service, title in SERVICES:
        lines += [f"## {title}", "",
                  "| 操作 / action | 请求 / request | 谁可以 / who may | " + " | ".join(head) + " |",
                  "| --- | --- | --- | " + " | ".join("---" for _ in WHO) + " |"]
        for action in (a for a in ACTIONS if a.service == service):
            name = action.name + (f"<br>（{action.kind[0]} / {action.kind[1]}）" if action.kind else "")
            request = f"`{action.method} {action.path}`"
            row = [name, request, _roles_text(action), *(_cell(expected(action, who)) for who in WHO)]
            lines.append("| " + " | ".join(row) + " |")
        notes = [a for a in ACTIONS if a.service == service and a.note]
        if notes:
            lines += ["", "Notes:", ""]
            lines += [f"- {a.name}{f' ({a.kind[1]})' if a.kind else ''}: {a.note}." for a in notes]
        lines.append("")
    lines += [
        "## 不经 HTTP / Not over HTTP",
        "",
        "These are done on the server's command line (`services/cli.py`), by whoever may run it there; no route",
        "exists for them (the test checks that every route is in the table above).",
        "",
        "| 命令 / command | 做什么 / what |",
        "| --- | --- |",
        *(f"| `{c.command}` | {c.zh} / {c.en} |" for c in CLI_ONLY),
        "",
        "The pages (`/`, `/track`, `/r/<token>`, `/hotline`, `/patrol`, `/desk`, `/dashboard`, `/callbacks`,",
        "`/public`, `/knowledge`, `/help`) are the same static files for everyone and hold no data; what they show",
        "comes from the routes above, with the caller's own token.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = render()
    if "--check" in args:
        current = DOC_PATH.read_text(encoding="utf-8") if DOC_PATH.exists() else ""
        if current != text:
            print(f"{DOC_PATH} is stale: run python -m shared.access_matrix", file=sys.stderr)
            return 1
        return 0
    DOC_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {DOC_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
