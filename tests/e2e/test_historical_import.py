"""`complaints import`: an older system's export through the real command line into the whole system.

The export is written as that system writes it (GB18030 CSV with Chinese headers, or an .xlsx); the
command runs against the test's database; then the three services show what became of it: finished
cases are history (visible to the citizen, never routed, never counted in the targets), open ones are
received and routed like any other complaint, broken rows are reported with reasons and stored nowhere.
"""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select, text

from bench.history_import import HEADERS, mapping_text, write_export
from services.cli import main
from services.intake.adapters.tables import ComplaintRow
from shared.clock import SHANGHAI

ROWS = 40


@pytest.fixture
def cli_db(monkeypatch, database_url, system):
    """The command line on the system's database, after routing's directory has reached intake."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    system.drain()
    return system


@pytest.fixture
def export(tmp_path) -> tuple[Path, Path, dict[str, int]]:
    path, mapping = tmp_path / "旧系统导出.csv", tmp_path / "mapping.yaml"
    kinds = write_export(path, ROWS, seed=11, broken_share=0.1, open_share=0.2)
    mapping.write_text(mapping_text(), encoding="utf-8")
    return path, mapping, kinds


def complaints(system) -> int:
    with system.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(ComplaintRow))


def report_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))[1:]


def test_finished_cases_become_history_open_ones_are_routed_and_broken_rows_reported(cli_db, export, capsys):
    system = cli_db
    path, mapping, kinds = export
    before = complaints(system)
    assert main(["import", str(path), "--mapping", str(mapping), "--batch-size", "7"]) == 1  # some rows refused
    out = capsys.readouterr().out
    assert f"历史件（已办结）/ history: {kinds['finished']}" in out
    assert f"未办结，转入办理 / open, handled from now on: {kinds['open']}" in out
    assert complaints(system) == before + kinds["finished"] + kinds["open"]

    rejected = report_rows(path.with_name(path.name + ".rejected.csv"))
    assert len(rejected) == kinds["broken"] > 0
    assert all("不是可识别的时间" in reasons or "诉求内容应为 5–5000 字" in reasons for _, _, reasons in rejected)
    imported = report_rows(path.with_name(path.name + ".imported.csv"))
    assert len(imported) == kinds["finished"] + kinds["open"]
    history = [row for row in imported if row[3] == "history"]
    opened = [row for row in imported if row[3] == "open"]

    # A finished case: the citizen sees it closed with its reply; staff never get it to handle.
    line, number, code, _ = history[0]
    with path.open(encoding="gb18030", newline="") as handle:
        source = list(csv.reader(handle))[int(line) - 1]
    phone = source[HEADERS.index("联系电话")]
    view = system.http.get(f"/api/v1/complaints/{code}", params={"phone_last4": phone[-4:]})
    assert view.status_code == 200, view.text
    body = view.json()
    assert body["status"] == "closed" and body["can_rate"] is False and body["can_attach"] is False
    assert body["reply"] == source[HEADERS.index("办理结果")] and body["department_name"]
    assert body["timeline"][0]["text"].startswith(f"原系统受理（编号 {number}）")
    assert code.startswith("HC" + datetime.strptime(source[1], "%Y/%m/%d %H:%M").strftime("%y%m%d"))

    system.drain()
    supervisor = system.login("supervisor")
    triage = system.http.get("/api/v1/triage", headers=supervisor).json()
    with system.engine.connect() as conn:
        routed = {row[0] for row in conn.execute(text("SELECT complaint_id FROM routing_cases"))}
        ids = dict(conn.execute(select(ComplaintRow.tracking_code, ComplaintRow.id)).all())
    assert all(ids[code] not in routed for _, _, code, _ in history)  # history is never routed
    assert all(ids[code] in routed for _, _, code, _ in opened)  # open cases are, like any complaint
    assert {case["tracking_code"] for case in triage["cases"]} <= {code for _, _, code, _ in opened}

    # The targets count today's complaints only: the open imports, not the history (of any year).
    with system.engine.connect() as conn:
        timed = {row[0] for row in conn.execute(text("SELECT complaint_id FROM notify_cases"))}
    assert timed == {ids[code] for _, _, code, _ in opened}
    today = datetime.now(SHANGHAI).date()  # the open imports were received by the command line, on the real clock
    metrics = system.http.get("/api/v1/metrics/sla", params={"from": (today - timedelta(days=1)).isoformat(),
                                                             "to": today.isoformat()}, headers=supervisor).json()
    counted = set(sum(system.behind(metrics["assignment_rate"], supervisor), []))
    assert counted == {ids[code] for _, _, code, _ in opened}


def test_importing_twice_adds_nothing_and_a_dry_run_stores_nothing(cli_db, export, capsys):
    system = cli_db
    path, mapping, kinds = export
    before = complaints(system)
    assert main(["import", str(path), "--mapping", str(mapping), "--dry-run"]) == 1
    out = capsys.readouterr().out
    assert "试运行" in out and f"history: {kinds['finished']}" in out
    assert complaints(system) == before and not path.with_name(path.name + ".imported.csv").exists()
    with system.engine.connect() as conn:
        events = conn.scalar(text("SELECT count(*) FROM event_outbox"))

    assert main(["import", str(path), "--mapping", str(mapping)]) == 1
    after_first = complaints(system)
    assert after_first == before + kinds["finished"] + kinds["open"]
    assert main(["import", str(path), "--mapping", str(mapping), "--batch-size", "3"]) == 1
    out = capsys.readouterr().out
    assert f"此前已导入，跳过 / imported before, skipped: {kinds['finished'] + kinds['open']}" in out
    assert complaints(system) == after_first
    with system.engine.connect() as conn:  # one event per imported case, and none from the second run
        assert conn.scalar(text("SELECT count(*) FROM event_outbox")) == events + kinds["finished"] + kinds["open"]


def test_a_spreadsheet_with_dates_numbers_and_a_number_given_twice(cli_db, tmp_path, capsys):
    system = cli_db
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "台账"
    sheet.append(HEADERS)
    sheet.append([20210001, datetime(2021, 5, 6, 9, 30), "12345热线", "噪音", "合阳城街道", "花园路 3 号", "张先生",
                  "13900001111", "花园路工地晚上施工噪音扰民，请处理", "已办结", "区住建委", "已督促夜间停工。",
                  datetime(2021, 5, 8, 16, 0), "满意"])
    sheet.append([20210001, datetime(2021, 5, 7), "", "", "", "", "", "", "同一个编号又出现了一次的投诉", "已办结",
                  "", "", None, ""])
    sheet.append([])  # an empty row is not a case
    path, mapping = tmp_path / "export.xlsx", tmp_path / "mapping.yaml"
    book.save(path)
    mapping.write_text(mapping_text().replace("# sheet: 投诉台账", "sheet: 台账"), encoding="utf-8")
    assert main(["import", str(path), "--mapping", str(mapping)]) == 1
    [(line, number, reasons)] = report_rows(path.with_name(path.name + ".rejected.csv"))
    assert (line, number) == ("3", "20210001") and "编号与第 2 行重复" in reasons
    [(_, _, code, kind)] = report_rows(path.with_name(path.name + ".imported.csv"))
    assert kind == "history" and code.startswith("HC210506-")
    body = system.http.get(f"/api/v1/complaints/{code}", params={"phone_last4": "1111"}).json()
    assert body["department_name"] == "区住房城乡建委" and body["rating"] == "satisfied"
    assert (body["category"], body["town"]) == ("noise", "heyangcheng")


@pytest.mark.parametrize(("change", "message"), [
    (lambda text: text.replace("encoding: gb18030", "encoding: utf-8"), "不是 utf-8 编码"),
    (lambda text: text.replace("content: 诉求内容", "content: 投诉内容"),
     "columns missing from the file: content（投诉内容）"),
    (lambda text: text.replace("source: hc12369", "source:"), "source 应是旧系统的简称"),
    (lambda text: text + "\n  - [", "不是有效的 YAML"),
])
def test_a_file_or_mapping_that_cannot_be_used_stores_nothing_and_says_why(cli_db, export, capsys, change, message):
    path, mapping, _ = export
    mapping.write_text(change(mapping_text()), encoding="utf-8")
    before = complaints(cli_db)
    assert main(["import", str(path), "--mapping", str(mapping)]) == 2
    assert message in capsys.readouterr().err
    assert complaints(cli_db) == before


def test_before_routing_has_named_the_departments_nothing_is_imported(monkeypatch, database_url, system, export,
                                                                      capsys):
    monkeypatch.setenv("DATABASE_URL", database_url)  # system.drain() not called: intake knows no department
    path, mapping, _ = export
    assert main(["import", str(path), "--mapping", str(mapping)]) == 2
    assert "部门目录尚未从分拨服务同步" in capsys.readouterr().err
    assert complaints(system) == 0
