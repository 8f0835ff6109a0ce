"""The historical import's rules without a database: the mapping checked, one row read, the history built."""

from datetime import datetime

import pytest

from services.intake.domain.complaint import Complaint, SealedReporter
from services.intake.domain.departments import Department, DepartmentDirectory
from services.intake.domain.errors import InvalidMapping, NotRatable
from services.intake.domain.imports import HistoricalRecord, ImportMapping, read_row
from services.intake.domain.status import Status
from shared.clock import SHANGHAI
from shared.contracts.codes import Channel, Rating
from shared.contracts.events import ComplaintImportedV1

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)
DIRECTORY = DepartmentDirectory([Department("ecology_env", "区生态环境局"), Department("town_taihe", "太和镇人民政府")])
MAPPING = ImportMapping.from_dict({
    "source": "old",
    "columns": {"legacy_id": "编号", "received_at": "受理时间", "content": "内容", "channel": "来源",
                "category": "类型", "town": "镇街", "status": "状态", "department": "承办单位", "reply": "结果",
                "replied_at": "回复时间", "rating": "满意度", "reporter_phone": "电话", "anonymous": "匿名"},
    "values": {"channel": {"12369": "hotline"}, "status": {"已办结": "finished", "办理中": "open"},
               "category": {"油烟": "odor/cooking_fumes"}},
    "defaults": {"channel": "hotline"},
})
ROW = {"编号": "2021-001", "受理时间": "2021/3/5 14:20", "内容": "太和镇养猪场臭味很重，晚上熏得睡不着",
       "来源": "12369", "类型": "异味恶臭", "镇街": "太和", "状态": "已办结", "承办单位": "区生态环境局",
       "结果": "已责令整改。", "回复时间": "2021-03-09 10:00:00", "满意度": "基本满意", "电话": "13812345678",
       "匿名": "否"}


def read(**changes: object) -> HistoricalRecord | list[str]:
    return read_row(MAPPING, {**ROW, **changes}, now=NOW, departments=DIRECTORY)


def test_a_finished_row_becomes_a_record_in_our_terms():
    record = read()
    assert isinstance(record, HistoricalRecord)
    assert record.legacy_id == "old:2021-001" and record.channel is Channel.hotline and record.finished
    assert record.received_at == datetime(2021, 3, 5, 14, 20, tzinfo=SHANGHAI)
    assert (record.category, record.subcategory, record.town) == ("odor", None, "taihe")
    assert record.department == "ecology_env" and record.rating is Rating.basically_satisfied
    assert record.replied_at == datetime(2021, 3, 9, 10, 0, tzinfo=SHANGHAI) and record.reply == "已责令整改。"


def test_values_translate_through_the_mapping_and_defaults_fill_empty_cells():
    record = read(类型="油烟", 来源="", 承办单位="太和镇人民政府")
    assert isinstance(record, HistoricalRecord)
    assert (record.category, record.subcategory) == ("odor", "cooking_fumes")
    assert record.channel is Channel.hotline and record.department == "town_taihe"


def test_spreadsheet_cells_are_taken_as_they_come():
    record = read(编号=20210001.0, 受理时间=datetime(2021, 3, 5, 14, 20), 回复时间=datetime(2021, 3, 6))
    assert isinstance(record, HistoricalRecord)
    assert record.legacy_id == "old:20210001" and record.received_at.tzinfo is not None


def test_an_open_row_keeps_no_reply_and_may_carry_no_rating():
    record = read(状态="办理中", 满意度="", 结果="")
    assert isinstance(record, HistoricalRecord) and not record.finished and record.reply is None
    assert read(状态="办理中") == ["未办结的件不能带评价 / an open case has no rating"]


def test_every_reason_a_row_is_refused_is_given_at_once():
    reasons = read(编号="", 受理时间="去年", 内容="吵", 来源="信访", 类型="噪音污染", 镇街="火星", 承办单位="区城管",
                   状态="在办", 满意度="很好", 匿名="也许")
    assert isinstance(reasons, list)
    text = "\n".join(reasons)
    for expected in ("缺少旧系统编号", "受理时间「去年」不是可识别的时间", "诉求内容应为 5–5000 字（现 1 字）",
                     "来源渠道「信访」无法识别", "问题类型「噪音污染」无法识别",
                     "镇街「火星」不是合川区的 30 个镇街之一",
                     "承办单位「区城管」不在部门目录中", "办理状态「在办」无法识别", "满意度「很好」无法识别",
                     "是否匿名「也许」无法识别"):
        assert expected in text
    assert len(reasons) == 10


@pytest.mark.parametrize(("received", "replied", "reason"), [
    ("1999-12-31", "", "受理时间 1999-12-31 不在 2000 年至今之间"),
    ("2027-01-01", "", "受理时间 2027-01-01 不在 2000 年至今之间"),
    ("2021-03-05", "2021-03-01", "回复时间早于受理时间"),
])
def test_dates_out_of_range_or_out_of_order_are_refused(received, replied, reason):
    reasons = read(受理时间=received, 回复时间=replied)
    assert isinstance(reasons, list) and any(reason in r for r in reasons), reasons


@pytest.mark.parametrize(("mapping", "message"), [
    ([], "映射文件应是 YAML 字典"),
    ({"source": "a:b", "columns": {"legacy_id": "x"}}, "source 应是旧系统的简称"),
    ({"source": "old", "columns": {"legacy_id": "编号"}}, "columns 必须包含 / columns must map: received_at, content"),
    ({"source": "old", "columns": {**MAPPING.columns, "colour": "颜色"}}, "unknown fields: colour"),
    ({"source": "old", "columns": MAPPING.columns, "values": {"address": {"a": "b"}}}, "values 只能翻译"),
    ({"source": "old", "columns": MAPPING.columns, "defaults": {"channel": "fax"}}, "unknown channel 'fax'"),
    ({"source": "old", "columns": MAPPING.columns, "colums": {}}, "unknown keys: colums"),
])
def test_a_mapping_that_cannot_be_used_says_what_to_fix(mapping, message):
    with pytest.raises(InvalidMapping) as refused:
        ImportMapping.from_dict(mapping)
    assert message in refused.value.message


def test_history_is_closed_named_and_never_rated_again():
    record = read()
    assert isinstance(record, HistoricalRecord)
    reporter = SealedReporter(phone_enc="sealed", phone_masked="138****5678", phone_last4="5678")
    complaint = Complaint.import_history(record, reporter=reporter, at=NOW)
    assert complaint.status is Status.closed and complaint.historical and not complaint.can_rate
    assert complaint.tracking_code.startswith("HC210305-") and complaint.citizen_token_hash is None
    assert [e.text for e in complaint.timeline] == [
        f"原系统受理（编号 2021-001），查询码 {complaint.tracking_code}", "由{department}办理", "{department}已回复",
        "评价：基本满意", "历史件导入本系统，已办结"]
    with pytest.raises(NotRatable):
        complaint.rate(Rating.satisfied, comment=None, via="citizen", at=NOW)
    [event] = complaint.pull_events()
    assert isinstance(event, ComplaintImportedV1)
    assert event.legacy_id == "old:2021-001" and event.rating == "basically_satisfied"
    assert event.reporter_phone_masked == "138****5678" and "13812345678" not in event.model_dump_json()


def test_an_open_case_is_received_today_with_its_past_in_the_timeline():
    record = read(状态="办理中", 满意度="")
    assert isinstance(record, HistoricalRecord)
    complaint = Complaint.receive(channel=record.channel, content=record.content, reporter=SealedReporter(), at=NOW,
                                  seal=lambda token: "sealed", legacy_id=record.legacy_id,
                                  legacy_received_at=record.received_at)
    assert complaint.received_at == NOW and complaint.status is Status.received and not complaint.historical
    assert [e.text for e in complaint.timeline] == [
        "原系统受理（编号 2021-001）", f"转入本系统办理，查询码 {complaint.tracking_code}"]
