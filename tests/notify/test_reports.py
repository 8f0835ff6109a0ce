"""The monthly report (.xlsx: `GET /api/v1/reports/monthly`, `complaints report`) and the public disclosure
(`GET /api/v1/public/monthly`, no sign-in) on both databases: the workbook opened with openpyxl holds the
same numbers as `GET /api/v1/metrics/sla`; the public answer holds the month's figures and handled cases
with nothing that points to a person; the reply summary is scrubbed before notify keeps it."""

from __future__ import annotations

import json
from datetime import datetime
from io import BytesIO

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import text

from services.app import create_app
from services.cli import main
from services.notify.domain.disclosure import reply_summary, scrub
from shared.clock import SHANGHAI
from shared.contracts.events import CaseRepliedV1
from shared.eventbus.dblog import DbLogBus
from tests.notify.factories import NAMES, assigned, departments, rated, replied, triaged
from tests.notify.test_api import DISPATCHER, SUPERVISOR, behind, nov

NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERSONAL_REPLY = ("经联系投诉人张三（电话13812345678，身份证500382199001011234），现场核查南园路3栋2单元501室"
                  "楼下的餐馆，李女士反映的油烟问题属实，已责令安装油烟净化器。")


@pytest.fixture
def client(runtime, engine, clock):
    with TestClient(create_app([runtime], DbLogBus(engine, clock), [engine], start_workers=False)) as client:
        yield client


def reply(cid: str, at: datetime, text_: str, *, reply_due: datetime, reply_round: int = 1,
          department: str = "ecology_env") -> CaseRepliedV1:
    return CaseRepliedV1(complaint_id=cid, tracking_code=f"HC{cid}", department=department, reply=text_,
                         replied_at=at, reply_due=reply_due, reply_round=reply_round, by="dispatcher")


@pytest.fixture
def month(feed):
    """November 2026 as notify saw it by Thursday the 26th; every deadline that counts is already past,
    so the figures are the same whenever in the month's last days they are taken."""
    feed(departments(*NAMES))
    feed(assigned("m1", received_at=nov(2), reply_due=nov(6), town="taihe", category="odor"))
    feed(reply("m1", nov(5), PERSONAL_REPLY, reply_due=nov(6)))
    feed(rated("m1", "satisfied", nov(7)))
    feed(assigned("m2", department="town_taihe", received_at=nov(10), assign_due=nov(11), assigned_at=nov(12),
                  reply_due=nov(16), town="taihe", category="odor"))  # assigned late, never replied: late twice
    feed(assigned("m3", department="urban_management", received_at=nov(12), reply_due=nov(18), town="shayu",
                  category="noise"))
    feed(replied("m3", nov(20), reply_due=nov(18), department="urban_management"))  # replied late
    feed(rated("m3", "unsatisfied", nov(21)))
    feed(assigned("m4", received_at=nov(20), reply_due=nov(24), town="taihe", category="odor"))
    feed(reply("m4", nov(23), "已督促企业整改。", reply_due=nov(24)))
    feed(assigned("m4", received_at=nov(20), assigned_at=nov(25), reply_due=datetime(2026, 12, 3, 10, tzinfo=SHANGHAI),
                  reply_round=2, town="taihe", category="odor"))  # reopened: no longer handled, due in December
    feed(assigned("old", received_at=datetime(2026, 10, 20, 10, tzinfo=SHANGHAI), reply_due=nov(1, 9),
                  town="taihe", category="water"))
    feed(reply("old", nov(2), "已清理河道垃圾。", reply_due=nov(1, 9)))  # replied in November, late
    feed(triaged("t1", received_at=nov(24), assign_due=nov(25)))  # never assigned: late


def workbook(content: bytes):  # type: ignore[no-untyped-def]
    return load_workbook(BytesIO(content))


def rows(sheet) -> list[list]:  # type: ignore[no-untyped-def]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


# --- the monthly report -------------------------------------------------------------------------------


def test_the_monthly_report_holds_the_same_numbers_as_the_targets_api(client, month):
    response = client.get("/api/v1/reports/monthly", params={"month": "2026-11"}, headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    assert "hechuan-complaints-2026-11.xlsx" in response.headers["content-disposition"]
    book = workbook(response.content)
    assert book.sheetnames == ["三项指标", "按承办单位", "按类型", "按镇街", "超期案件", "问题清单", "直接办结"]

    api = client.get("/api/v1/metrics/sla", params=NOVEMBER, headers=SUPERVISOR).json()
    targets = {r[0]: r for r in rows(book["三项指标"])[5:8]}
    for figure, name in (("assignment_rate", "交办率"), ("on_time_reply_rate", "按时回复率"),
                         ("satisfaction_rate", "回访满意度")):
        _, numerator, denominator, rate, target, met = targets[name]
        expected = api[figure]
        assert (numerator, denominator, target) == (expected["numerator"], expected["denominator"], expected["target"])
        assert rate == pytest.approx(expected["rate"], abs=1e-4)
        assert met == ("达标" if expected["met"] else "未达标")
    assert (targets["交办率"][1], targets["交办率"][2]) == (3, 5)  # m2 assigned late, t1 never assigned
    assert (targets["按时回复率"][1], targets["按时回复率"][2]) == (2, 5)
    assert "本月受理 5 件" in book["三项指标"]["A3"].value

    for sheet, group_by in (("按承办单位", "department"), ("按类型", "type"), ("按镇街", "town")):
        groups = client.get("/api/v1/metrics/sla", params=NOVEMBER | {"group_by": group_by},
                            headers=SUPERVISOR).json()["groups"]
        table = rows(book[sheet])
        assert [r[0] for r in table[1:]] == [g["name"] for g in groups]
        for line, group in zip(table[1:], groups, strict=True):
            assert line[1:3] == [group["assignment_rate"]["numerator"], group["assignment_rate"]["denominator"]]
            assert line[4:6] == [group["on_time_reply_rate"]["numerator"], group["on_time_reply_rate"]["denominator"]]
            assert line[7:9] == [group["satisfaction_rate"]["numerator"], group["satisfaction_rate"]["denominator"]]
    assert rows(book["按承办单位"])[1][0] == "区生态环境局"

    overdue = rows(book["超期案件"])
    missed = {(r[0], r[1]) for r in overdue[1:]}
    expected_misses = {("交办率", f"HC{cid}") for cid in behind(client, api["assignment_rate"])[1]}
    expected_misses |= {("按时回复率", f"HC{cid}") for cid in behind(client, api["on_time_reply_rate"])[1]}
    assert missed == expected_misses == {("交办率", "HCm2"), ("交办率", "HCt1"), ("按时回复率", "HCm2"),
                                         ("按时回复率", "HCm3"), ("按时回复率", "HCold")}
    late_reply = next(r for r in overdue if r[:2] == ["按时回复率", "HCm3"])
    assert late_reply[7] == datetime(2026, 11, 20, 10) and late_reply[8] == 48.0  # hours past the deadline

    spots = {r[1]: r for r in rows(book["问题清单"])[1:] if r[0]}
    assert spots["太和镇 · 异味恶臭"][2] == 3 and spots["太和镇 · 异味恶臭"][5] == "待包案"


def test_a_hotspot_the_bureau_took_on_shows_its_owner_in_the_report(client, month):
    taken = client.patch("/api/v1/hotspots/recurring:taihe:odor", json={"owner": "王副局长", "plan": "联合执法"},
                         headers=SUPERVISOR)
    assert taken.status_code == 200, taken.text
    book = workbook(client.get("/api/v1/reports/monthly", params={"month": "2026-11"}, headers=SUPERVISOR).content)
    line = next(r for r in rows(book["问题清单"]) if r[1] == "太和镇 · 异味恶臭")
    assert line[5:8] == ["包案整改中", "王副局长", "联合执法"]
    assert line[9] == "HCm4、HCm2、HCm1"


def test_a_month_without_cases_is_an_empty_report_not_an_error(client):
    response = client.get("/api/v1/reports/monthly", params={"month": "2026-01"}, headers=SUPERVISOR)
    assert response.status_code == 200
    book = workbook(response.content)
    assert [r[1:3] for r in rows(book["三项指标"])[5:8]] == [[0, 0]] * 3
    assert rows(book["超期案件"]) == [["指标", "查询码", "类型", "镇街", "承办单位", "轮次", "期限", "完成时间",
                                    "超时（小时）"]]


@pytest.mark.parametrize("month_", ["2026-13", "2026-1", "November", "2026-12", "1999-12", "2026-11-01", "x" * 17])
def test_a_month_that_makes_no_sense_or_has_not_begun_is_refused(client, month_):
    for path in ("/api/v1/reports/monthly", "/api/v1/public/monthly"):
        response = client.get(path, params={"month": month_}, headers=SUPERVISOR)
        assert response.status_code == 422, (path, month_, response.text)
        assert response.json()["error"]["message"]


def test_only_supervisors_download_the_report(client):
    assert client.get("/api/v1/reports/monthly").status_code == 401
    assert client.get("/api/v1/reports/monthly", headers=DISPATCHER).status_code == 403


def test_complaints_report_writes_the_same_workbook_from_the_command_line(client, month, database_url, monkeypatch,
                                                                          tmp_path, capsys):
    monkeypatch.setenv("DATABASE_URL", database_url)
    out = tmp_path / "月报.xlsx"
    assert main(["report", "--month", "2026-11", "--out", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    book = load_workbook(out)
    api = client.get("/api/v1/metrics/sla", params=NOVEMBER, headers=SUPERVISOR).json()
    targets = {r[0]: r[1:3] for r in rows(book["三项指标"])[5:8]}
    assert targets == {"交办率": [api["assignment_rate"]["numerator"], api["assignment_rate"]["denominator"]],
                       "按时回复率": [api["on_time_reply_rate"]["numerator"], api["on_time_reply_rate"]["denominator"]],
                       "回访满意度": [api["satisfaction_rate"]["numerator"], api["satisfaction_rate"]["denominator"]]}
    assert main(["report", "--month", "2026-13", "--out", str(tmp_path / "x.xlsx")]) == 1
    assert "month must be YYYY-MM" in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()


# --- public disclosure --------------------------------------------------------------------------------


def test_the_public_sees_the_months_figures_and_handled_cases_without_signing_in(client, month):
    response = client.get("/api/v1/public/monthly", params={"month": "2026-11"})
    assert response.status_code == 200, response.text
    body = response.json()
    api = client.get("/api/v1/metrics/sla", params=NOVEMBER, headers=SUPERVISOR).json()
    for figure in ("assignment_rate", "on_time_reply_rate", "satisfaction_rate"):
        assert body[figure] == {k: api[figure][k] for k in ("numerator", "denominator", "rate", "target", "met")}
    assert body["month"] == "2026-11" and body["received"] == 5
    assert body["by_type"] == [{"key": "odor", "name": "异味恶臭", "count": 3},
                               {"key": "noise", "name": "噪声", "count": 1},
                               {"key": None, "name": "未分类", "count": 1}]
    assert {t["name"]: t["count"] for t in body["by_town"]} == {"太和镇": 3, "沙鱼镇": 1, "合阳城街道": 1}
    # handled: replied in November and still replied (m4 was reopened); newest reply first
    assert body["handled"] == body["total"] == 3
    assert [(c["type_name"], c["town_name"], c["department_name"], c["replied_on"]) for c in body["cases"]] == [
        ("噪声", "沙鱼镇", "区城市管理局", "2026-11-20"),
        ("异味恶臭", "太和镇", "区生态环境局", "2026-11-05"),
        ("水", "太和镇", "区生态环境局", "2026-11-02"),
    ]
    assert body["cases"][2]["received_month"] == "2026-10" and body["cases"][0]["status_name"] == "已办结"
    summary = body["cases"][1]["summary"]
    assert summary.startswith("经联系投诉人**（电话[电话]，身份证[身份证号]），现场核查南园路**楼下的餐馆，某女士反映")
    everything = json.dumps(body, ensure_ascii=False)
    for personal in ("张三", "13812345678", "500382199001011234", "501", "李女士"):
        assert personal not in everything
    for identifying in ("HCm", "\"m1\"", "complaint_id", "tracking_code", "cases\": [\"", "misses"):
        assert identifying not in everything
    assert "个人信息" in body["privacy"]


def test_the_public_list_pages_and_refuses_a_page_that_makes_no_sense(client, month):
    page = client.get("/api/v1/public/monthly", params={"month": "2026-11", "offset": 1, "limit": 1}).json()
    assert page["total"] == 3 and [c["replied_on"] for c in page["cases"]] == ["2026-11-05"]
    for params in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "many"}):
        response = client.get("/api/v1/public/monthly", params=params)
        assert response.status_code == 422, (params, response.text)


def test_without_a_month_the_public_page_shows_this_month(client, month):
    assert client.get("/api/v1/public/monthly").json()["month"] == "2026-11"


def test_notify_keeps_only_the_scrubbed_summary_of_a_reply(client, month, engine):
    with engine.connect() as conn:
        kept = dict(conn.execute(text("SELECT complaint_id, summary FROM notify_reply_summaries")).all())
    assert set(kept) == {"m1", "m3", "m4", "old"}
    assert "13812345678" not in kept["m1"] and "张三" not in kept["m1"] and len(kept["m1"]) <= 120


def test_a_later_rounds_reply_replaces_the_summary_and_a_redelivered_older_one_does_not(client, feed, engine):
    feed(assigned("s", received_at=nov(2), reply_due=nov(6)))
    first = feed(reply("s", nov(5), "第一次答复", reply_due=nov(6)))
    feed(assigned("s", received_at=nov(2), assigned_at=nov(9), reply_due=nov(13), reply_round=2))
    feed(reply("s", nov(12), "第二次答复：已整改", reply_due=nov(13), reply_round=2))
    feed(first)  # the same event again
    feed(reply("s", nov(5), "第一次答复（重发）", reply_due=nov(6)))  # an older round, delivered late
    with engine.connect() as conn:
        assert conn.execute(text("SELECT reply_round, summary FROM notify_reply_summaries")).all() == [
            (2, "第二次答复：已整改")]


# --- the scrubber -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "shown"), [
    ("请拨打13812345678联系", "请拨打[电话]联系"),
    ("电话 +86 138-1234-5678。", "电话 [电话]。"),
    ("座机023-42812345", "座机[电话]"),
    ("座机（023）42812345", "座机[电话]"),
    ("身份证号50038219900101123X", "身份证号[身份证号]"),
    ("邮箱 zhang.san@example.com", "邮箱 [邮箱]"),
    ("张先生反映属实", "某先生反映属实"),
    ("已告知王女士和刘师傅", "已告知某女士和某师傅"),
    ("举报人：李四，已回访", "举报人**，已回访"),
    ("经联系投诉人王小明，", "经联系投诉人**，"),
    ("住5号楼1202室", "住**"),
    ("群众反映噪声扰民，已责令整改", "群众反映噪声扰民，已责令整改"),
    ("南园路12号机械厂已停产整顿", "南园路12号机械厂已停产整顿"),
    ("2026年11月5日已现场核查", "2026年11月5日已现场核查"),
])
def test_scrub_removes_what_points_to_a_person_and_keeps_the_rest(raw, shown):
    assert scrub(raw) == shown
    assert scrub(shown) == shown  # idempotent: scrubbed again before it is shown


def test_a_summary_is_one_line_of_at_most_120_characters():
    summary = reply_summary("第一行\n\n第二行  " + "很长的说明" * 40)
    assert "\n" not in summary and len(summary) == 120 and summary.endswith("…")
