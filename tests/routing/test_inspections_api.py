"""Inspection cases over HTTP: the supervisors' routes (register, progress, list, the case, publish), the
checks of the bodies, and the public 边督边改 table as JSON and as an .xlsx opened with openpyxl."""

from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook

from services.routing.domain.inspections import PUBLIC_COLUMNS

ROUND = "第三轮中央生态环境保护督察"
BODY = {"kind": "central", "round_name": ROUND, "batch": 2, "number": "D2CQ-0001", "key_case": True,
        "received_at": "2026-11-25", "report_due": "2026-12-10"}


def test_a_supervisor_registers_updates_lists_and_publishes(client, auth, receive):
    sup = auth("supervisor")
    case_id = receive(content="联系人：张三 13812345678，南屏路88号工地夜间打桩", category="noise").subject
    assert client.get(f"/api/v1/cases/{case_id}", headers=sup).json()["inspection"] is None
    made = client.post(f"/api/v1/cases/{case_id}/inspection", json=BODY, headers=sup)
    assert made.status_code == 201, made.text
    assert client.get(f"/api/v1/cases/{case_id}", headers=sup).json()["inspection"] == {  # the desk's line
        "number": "D2CQ-0001", "kind_label": made.json()["kind_label"], "round_name": ROUND, "batch": 2,
        "key_case": True, "progress": "in_progress", "progress_label": "办理中", "overdue": False}
    assert client.post(f"/api/v1/cases/{case_id}/inspection", json=BODY, headers=sup).status_code == 409
    updated = client.post(f"/api/v1/inspections/{case_id}/progress", headers=sup, json={
        "finding": "partly", "measures": "已责令停止夜间施工", "penalty_cases": 1, "fine_yuan": "20000.50",
        "interviews": 1, "interviewed": "某公司项目经理", "accountability": 1, "accountable": "李四",
        "progress": "staged"})
    assert updated.status_code == 200, updated.text
    assert updated.json()["fine_yuan"] == "20000.50" and updated.json()["updates"][0]["actor"] == "supervisor-x"
    back = client.post(f"/api/v1/inspections/{case_id}/progress", headers=sup, json={"progress": "in_progress"})
    assert back.status_code == 409 and back.json()["error"]["code"] == "inspection_refused"
    listed = client.get("/api/v1/inspections", params={"batch": 2, "key": "true"}, headers=sup).json()
    assert listed["total"] == 1 and listed["inspections"][0]["progress_label"] == "阶段性办结"
    assert client.get(f"/api/v1/inspections/{case_id}", headers=sup).json()["accountable"] == "李四"
    assert client.get("/api/v1/inspections/public", params={"batch": 2}).json()["rows"] == []

    published = client.post("/api/v1/inspections/batches/publish", headers=sup,
                            json={"round_name": ROUND, "batch": 2})
    assert published.status_code == 200 and published.json()["cases"] == 1
    table = client.get("/api/v1/inspections/public", params={"batch": 2})  # no sign-in
    assert table.status_code == 200
    [row] = table.json()["rows"]
    assert [c["label"] for c in table.json()["columns"]] == [label for _, label in PUBLIC_COLUMNS]
    assert row["finding"] == "部分属实" and "立案查处1起，罚款2.00005万元" in row["measures"]
    assert (row["round_name"], row["batch"]) == (ROUND, 2)  # what the public page filters by (not a column)
    text = table.text
    for secret in ("张三", "13812345678", "88号", "李四", "项目经理", case_id):
        assert secret not in text, secret

    xlsx = client.get("/api/v1/inspections/public.xlsx", params={"batch": 2})
    assert xlsx.status_code == 200 and xlsx.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert 'filename="inspections-batch-2.xlsx"' in xlsx.headers["content-disposition"]
    sheet = load_workbook(BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "边督边改" in rows[0][0] and "第2批" in rows[0][0]
    assert list(rows[1]) == [label for _, label in PUBLIC_COLUMNS]
    assert len(rows) == 3 and rows[2][0] == 1 and rows[2][1] == "D2CQ-0001" and rows[2][6] == "部分属实"
    assert rows[2][2] == row["summary"] and rows[2][9] == "阶段性办结"
    assert not any(secret in str(cell) for cell in rows[2] for secret in ("张三", "13812345678", "李四"))


def test_bodies_are_checked_and_roles_enforced(client, auth, receive):
    sup, disp = auth("supervisor"), auth("dispatcher", "housing_construction")
    case_id = receive().subject
    path = f"/api/v1/cases/{case_id}/inspection"
    assert client.post(path, json=BODY, headers=disp).status_code == 403
    assert client.post(path, json=BODY).status_code == 401
    for wrong in ({**BODY, "kind": "county"}, {**BODY, "batch": 0}, {**BODY, "extra": 1},
                  {k: v for k, v in BODY.items() if k != "report_due"}):
        assert client.post(path, json=wrong, headers=sup).status_code == 422, wrong
    assert client.post(path, json={**BODY, "report_due": "2026-11-01"}, headers=sup).status_code == 422
    assert client.post("/api/v1/cases/nope/inspection", json=BODY, headers=sup).status_code == 404
    assert client.post(path, json=BODY, headers=sup).status_code == 201
    progress = f"/api/v1/inspections/{case_id}/progress"
    for wrong in ({"fine_yuan": "1.234"}, {"penalty_cases": -1}, {"finding": "maybe"}, {"measures": "  "}, {}):
        assert client.post(progress, json=wrong, headers=sup).status_code == 422, wrong
    assert client.get("/api/v1/inspections", headers=disp).status_code == 403
    assert client.get("/api/v1/inspections", params={"limit": 0}, headers=sup).status_code == 422
    assert client.get("/api/v1/inspections/nope", headers=sup).status_code == 404
    assert client.post("/api/v1/inspections/batches/publish", headers=sup,
                       json={"round_name": ROUND, "batch": 9}).status_code == 404
    # a filter is cleaned like the stored round: a control character in it once gave the workbook a 500
    assert client.get("/api/v1/inspections/public.xlsx", params={"round": "\x04\x04"}).status_code == 422
    workbook = client.get("/api/v1/inspections/public.xlsx", params={"round": "第三轮\x04督察", "batch": 1})
    assert workbook.status_code == 200, workbook.text


def test_the_batch_panel_counts_every_batch_of_every_round_and_says_which_are_published(client, auth, receive):
    sup = auth("supervisor")
    assert client.get("/api/v1/inspections/batches", headers=sup).json()["batches"] == []
    municipal = "2026年市级生态环境保护督察"
    for number, round_name, batch, key, due in [
            ("B3-1", ROUND, 3, True, "2026-12-10"), ("B3-2", ROUND, 3, False, "2026-11-25"),  # overdue
            ("B3-3", ROUND, 3, True, "2026-11-25"), ("B1-1", ROUND, 1, False, "2026-12-01"),
            ("M2-1", municipal, 2, True, "2026-11-24")]:
        case_id = receive().subject
        made = client.post(f"/api/v1/cases/{case_id}/inspection", headers=sup, json={
            **BODY, "round_name": round_name, "batch": batch, "number": number, "key_case": key,
            "received_at": "2026-11-20", "report_due": due})
        assert made.status_code == 201, made.text
        if number == "B3-3":  # done: not overdue although its report was due yesterday
            done = client.post(f"/api/v1/inspections/{case_id}/progress", headers=sup, json={
                "finding": "true", "measures": "已责令整改并复查", "progress": "done"})
            assert done.status_code == 200, done.text
    assert client.post("/api/v1/inspections/batches/publish", headers=sup,
                       json={"round_name": ROUND, "batch": 3}).status_code == 200
    assert client.post("/api/v1/inspections/batches/publish", headers=sup,  # published, then withdrawn
                       json={"round_name": municipal, "batch": 2}).status_code == 200
    assert client.post("/api/v1/inspections/batches/publish", headers=sup,
                       json={"round_name": municipal, "batch": 2, "published": False}).status_code == 200

    answer = client.get("/api/v1/inspections/batches", headers=sup)
    assert answer.status_code == 200, answer.text
    assert answer.json()["batches"] == sorted([  # by round then batch (the order the database sorts them)
        {"round_name": ROUND, "batch": 1, "cases": 1, "key_cases": 0, "done": 0, "overdue": 0, "published": False},
        {"round_name": ROUND, "batch": 3, "cases": 3, "key_cases": 2, "done": 1, "overdue": 1, "published": True},
        {"round_name": municipal, "batch": 2, "cases": 1, "key_cases": 1, "done": 0, "overdue": 1,
         "published": False},
    ], key=lambda b: (b["round_name"].encode(), b["batch"]))
    assert client.get("/api/v1/inspections/batches", headers=auth("dispatcher", "ecology_env")).status_code == 403
    assert client.get("/api/v1/inspections/batches").status_code == 401
    assert client.get("/api/v1/inspections/batches", headers=auth("admin")).status_code == 200
