"""Inspection cases (督察交办件): the aggregate's rules (pure), the scrubber of the public table, then the
handlers on real databases (stored with the audited updates, events in the outbox, the fine as a decimal,
the public table only of published batches and without personal data)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from services.routing.adapters.inspection_tables import RoutingInspection, RoutingInspectionUpdate
from services.routing.domain.errors import CaseNotFound
from services.routing.domain.inspection_commands import (
    InspectionFile,
    InspectionList,
    PublicInspectionTable,
    PublishInspectionBatch,
    RegisterInspection,
    UpdateInspection,
)
from services.routing.domain.inspections import (
    Inspection,
    InspectionExists,
    InspectionInvalid,
    InspectionKind,
    InspectionNotFound,
    InspectionRefused,
    Progress,
    fine_text,
    public_row,
    scrub,
    yuan,
)
from shared.clock import SHANGHAI
from shared.contracts import topics
from shared.contracts.envelope import CloudEvent
from shared.contracts.events import InspectionRegisteredV1, InspectionUpdatedV1

ROUND = "第三轮中央生态环境保护督察"
AT = datetime(2026, 11, 26, 10, tzinfo=SHANGHAI)


def new(**values) -> Inspection:
    fields = {"complaint_id": "c-1", "tracking_code": "HC261126-7KQ2XM4P", "kind": InspectionKind.central,
              "round_name": ROUND, "batch": 3, "number": "D2CQ202611260001", "key_case": True,
              "received_on": date(2026, 11, 25), "report_due": date(2026, 12, 10), "by": "supervisor", "at": AT}
    return Inspection.register(**(fields | values))


# --- the aggregate (pure) -----------------------------------------------------------------------------------


def test_registering_records_the_batch_and_an_event_without_text():
    inspection = new()
    assert (inspection.progress, inspection.finding, inspection.fine_yuan) == (Progress.in_progress, None,
                                                                               Decimal("0.00"))
    [event] = inspection.pending_events
    assert isinstance(event, InspectionRegisteredV1)
    assert (event.kind, event.batch, event.number, event.key_case, event.by) == (
        "central", 3, "D2CQ202611260001", True, "supervisor")


@pytest.mark.parametrize("values", [{"received_on": date(2026, 11, 27)}, {"report_due": date(2026, 11, 24)},
                                    {"batch": 0}])
def test_a_future_receipt_a_deadline_before_it_or_batch_zero_is_refused(values):
    with pytest.raises(InspectionInvalid):
        new(**values)


def test_received_defaults_to_today():
    assert new(received_on=None).received_on == date(2026, 11, 26)


def test_every_update_is_audited_and_published_with_the_changed_fields_only():
    inspection = new()
    inspection.pull_events()
    first = inspection.update({"finding": "true", "investigation": "经现场核查，情况属实", "penalty_cases": 1,
                               "fine_yuan": Decimal("52000.50")}, by="sup-a", at=AT)
    later = AT + timedelta(hours=3)
    second = inspection.update({"finding": "true", "interviews": 2, "interviewed": "某公司负责人"}, by="sup-b",
                               at=later)
    assert first.changes == {"finding": "true", "investigation": "经现场核查，情况属实", "penalty_cases": 1,
                             "fine_yuan": "52000.50"}
    assert (second.seq, second.actor, second.at, second.changes) == (
        2, "sup-b", later, {"interviews": 2, "interviewed": "某公司负责人"})  # the unchanged finding left out
    assert (inspection.updated_by, inspection.updated_at) == ("sup-b", later)
    events = inspection.pull_events()
    assert all(isinstance(e, InspectionUpdatedV1) for e in events)
    assert events[0].changed == ["finding", "investigation", "penalty_cases", "fine_yuan"]
    assert (events[0].fine_yuan, events[1].interviews, events[1].progress) == (Decimal("52000.50"), 2, "in_progress")
    assert "经现场核查" not in events[0].model_dump_json()  # no text travels in the events


def test_progress_needs_a_finding_and_measures_and_never_goes_back():
    inspection = new()
    with pytest.raises(InspectionInvalid):
        inspection.update({"progress": "staged"}, by="s", at=AT)
    with pytest.raises(InspectionInvalid):
        inspection.update({"progress": "done", "finding": "partly"}, by="s", at=AT)
    inspection.update({"progress": "staged", "finding": "partly", "measures": "已责令停工整改"}, by="s", at=AT)
    inspection.update({"progress": "done"}, by="s", at=AT)
    with pytest.raises(InspectionRefused):
        inspection.update({"progress": "in_progress"}, by="s", at=AT)
    assert inspection.progress == Progress.done and len(inspection.updates) == 2


@pytest.mark.parametrize("changes", [
    {"fine_yuan": "100"},  # a fine without a 立案
    {"finding": "false", "penalty_cases": 1},  # 不属实 with a penalty
    {"finding": "false", "accountability": 1},
    {"penalty_cases": -1},
    {"fine_yuan": "12.345"},
    {"fine_yuan": 12.5},  # a float is refused: money is decimal
    {"fine_yuan": "NaN"},
    {"finding": None},
    {"colour": "red"},
    {},  # nothing to change
])
def test_values_that_do_not_hold_together_are_refused_and_change_nothing(changes):
    inspection = new()
    with pytest.raises(InspectionInvalid):
        inspection.update(changes, by="s", at=AT)
    assert inspection.updates == [] and inspection.penalty_cases == 0 and inspection.finding is None


def test_the_same_values_again_are_nothing_to_change():
    inspection = new()
    inspection.update({"penalty_cases": 1}, by="s", at=AT)
    with pytest.raises(InspectionInvalid):
        inspection.update({"penalty_cases": 1}, by="s", at=AT)


def test_yuan_keeps_two_places_and_the_fine_reads_as_the_tables_write_it():
    assert yuan("5") == Decimal("5.00") and yuan(Decimal("0.1")) == Decimal("0.10")
    assert fine_text(Decimal("52000.50")) == "5.20005万元" and fine_text(Decimal("30000.00")) == "3万元"
    assert fine_text(Decimal("800.00")) == "800元"


# --- the scrubber -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "gone"), [
    ("联系人：张三，电话13812345678", ["张三", "13812345678"]),
    ("请回电 138 1234 5678 或 +86-139-1234-5678", ["1234", "5678"]),
    ("座机023-42823456，邮箱 zhang.san@qq.com", ["42823456", "zhang.san", "qq.com"]),
    ("身份证号50038219900101123X", ["50038219900101123X"]),
    ("我叫李小龙，住南屏路88号", ["李小龙", "88"]),
    ("楼下王先生家的狗，姓刘的老板", ["王先生", "刘"]),
    ("住3栋2单元501，隔壁5-2-1室", ["3栋", "501", "5-2-1"]),
    ("太和镇某村5组的养殖场", ["5组"]),
])
def test_the_scrubber_removes_names_numbers_and_house_numbers(text, gone):
    cleaned = scrub(text)
    assert all(part not in cleaned for part in gone), cleaned


def test_the_scrubber_keeps_what_the_public_must_know():
    text = "合阳城街道南屏路某工地2026-11-26凌晨两点打桩，老百姓反映噪音大，第3批"
    assert scrub(text) == text


def test_a_public_row_never_shows_who_was_interviewed_or_held_accountable():
    inspection = new()
    inspection.update({"finding": "true", "measures": "责令联系人：张三整改", "penalty_cases": 1,
                       "fine_yuan": "20000", "interviews": 1, "interviewed": "李四", "accountability": 2,
                       "accountable": "王五、赵六", "progress": "staged"}, by="s", at=AT)
    row = public_row(1, inspection, content="王先生（13812345678）反映南屏路88号工地噪声", area="合川区合阳城街道",
                     pollution="噪声")
    shown = " ".join(str(value) for value in row.values())
    for secret in ("李四", "王五", "赵六", "张三", "王先生", "13812345678", "88号", inspection.tracking_code):
        assert secret not in shown, secret
    assert row["finding"] == "属实" and row["progress"] == "阶段性办结"
    assert row["accountability"] == "约谈1人（次）；问责2人" and "立案查处1起，罚款2万元" in row["measures"]


# --- handlers on the databases ------------------------------------------------------------------------------


@pytest.fixture
def case_id(receive) -> str:
    return receive().subject


def register(bus, case_id: str, number: str = "D2CQ202611260001", batch: int = 3, key_case: bool = True,
             round_name: str = ROUND) -> dict:
    return bus.handle(RegisterInspection(case_id, "supervisor", InspectionKind.central, round_name, batch, number,
                                         key_case, date(2026, 12, 10), date(2026, 11, 25)))


def test_an_inspection_case_is_stored_with_its_updates_and_its_events_go_out(runtime, case_id, outbox, engine):
    bus = runtime.bus
    view = register(bus, case_id)
    assert (view["batch"], view["key_case"], view["progress_label"], view["published"]) == (3, True, "办理中", False)
    assert view["department"] == "housing_construction"
    bus.handle(UpdateInspection(case_id, "sup-a", {"finding": "true", "penalty_cases": 2,
                                                   "fine_yuan": Decimal("123456.78")}))
    view = bus.handle(UpdateInspection(case_id, "sup-b", {"measures": "已停工整改", "progress": "staged"}))
    assert view["fine_yuan"] == "123456.78" and view["finding_label"] == "属实"
    assert [(u["id"], u["actor"]) for u in view["updates"]] == [(1, "sup-a"), (2, "sup-b")]
    assert bus.handle(InspectionFile(case_id)) == view  # read back from the rows: the same
    with Session(engine) as session:
        row = session.get(RoutingInspection, case_id)
        assert row.fine_yuan == Decimal("123456.78") and isinstance(row.fine_yuan, Decimal)
        assert (row.progress, row.finding, row.penalty_cases) == ("staged", "true", 2)
        assert session.get(RoutingInspectionUpdate, (case_id, 1)).changes["fine_yuan"] == "123456.78"
    sent = [r for r in outbox(case_id) if r.type.startswith("hechuan.complaints.inspection.")]
    assert [r.type for r in sent] == [InspectionRegisteredV1.event_type] + [InspectionUpdatedV1.event_type] * 2
    assert all(r.topic == topics.LIFECYCLE for r in sent)
    last = InspectionUpdatedV1.model_validate(CloudEvent.from_json(sent[-1].payload).data)
    assert (last.changed, last.progress, last.fine_yuan) == (["progress", "measures"], "staged", Decimal("123456.78"))


def test_a_case_is_registered_once_and_a_number_once(runtime, receive, case_id):
    bus = runtime.bus
    register(bus, case_id)
    with pytest.raises(InspectionExists):
        register(bus, case_id, number="OTHER-1")
    with pytest.raises(InspectionExists):
        register(bus, receive().subject)  # the same 交办编号
    with pytest.raises(CaseNotFound):
        register(bus, "no-such-case", number="OTHER-2")
    with pytest.raises(InspectionNotFound):
        bus.handle(UpdateInspection(receive().subject, "s", {"penalty_cases": 1}))


def test_a_refused_update_changes_nothing_and_sends_nothing(runtime, case_id, outbox):
    bus = runtime.bus
    register(bus, case_id)
    before = len(outbox(case_id))
    with pytest.raises(InspectionInvalid):
        bus.handle(UpdateInspection(case_id, "s", {"penalty_cases": 0, "fine_yuan": Decimal("10")}))
    assert len(outbox(case_id)) == before and bus.handle(InspectionFile(case_id))["updates"] == []


def test_the_list_filters_by_batch_and_key_case_and_pages(runtime, receive):
    bus = runtime.bus
    for i, (batch, key) in enumerate([(3, True), (3, False), (3, True), (4, True)]):
        register(bus, receive().subject, number=f"N{i}", batch=batch, key_case=key)
    listed = bus.handle(InspectionList(batch=3, key_case=True))
    assert listed["total"] == 2 and [c["number"] for c in listed["inspections"]] == ["N0", "N2"]
    page = bus.handle(InspectionList(limit=2, offset=2))
    assert page["total"] == 4 and [c["number"] for c in page["inspections"]] == ["N2", "N3"]
    with pytest.raises(InspectionInvalid):
        bus.handle(InspectionList(limit=0))


def test_the_public_table_shows_only_published_batches_scrubbed(runtime, receive):
    bus = runtime.bus
    named = receive(content="我叫张三，电话13812345678，南屏路88号工地夜间施工噪音", category="noise",
                    town="heyangcheng").subject
    register(bus, named, number="N-3-1", batch=3)
    register(bus, receive().subject, number="N-4-1", batch=4)
    assert bus.handle(PublicInspectionTable()).rows == []  # nothing published yet
    with pytest.raises(InspectionNotFound):
        bus.handle(PublishInspectionBatch(ROUND, 9, True, "supervisor"))  # a batch without cases
    assert bus.handle(PublishInspectionBatch(ROUND, 3, True, "supervisor"))["cases"] == 1
    table = bus.handle(PublicInspectionTable(batch=3))
    [row] = table.rows
    assert row["seq"] == 1 and row["number"] == "N-3-1" and row["pollution"] == "噪声"
    assert row["area"].startswith("合川区") and row["area"] != "合川区"
    assert "张三" not in row["summary"] and "13812345678" not in row["summary"] and "88号" not in row["summary"]
    assert "南屏路" in row["summary"] and row["finding"] == "核查中" and row["progress"] == "办理中"
    assert bus.handle(PublicInspectionTable(batch=4)).rows == []
    bus.handle(PublishInspectionBatch(ROUND, 3, False, "supervisor"))  # withdrawn
    assert bus.handle(PublicInspectionTable()).rows == []
    assert bus.handle(InspectionFile(named))["published"] is False
