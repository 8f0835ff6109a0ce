"""The monthly report as an .xlsx workbook (openpyxl), for the bureau's meetings: one sheet per part.

Sheets: 三项指标 (each target: numerator, denominator, rate, target, met), 按承办单位 / 按类型 / 按镇街 (the
three targets per group), 超期案件 (the month's cases that missed the assignment or reply deadline) and
问题清单 (the hotspots as at the month's end, with owner, plan and status) and 直接办结 (consultations closed on
the spot, by type, article, operator and channel). Times are Asia/Shanghai.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from services.notify.domain.assessment import INDICATOR_NAMES, INDICATORS, Assessment
from services.notify.domain.knowledge import ConsultationReport
from services.notify.domain.metrics import Rate
from services.notify.service_layer.reports import MonthlyReportView
from shared.clock import SHANGHAI

FIGURES = (("assignment_rate", "交办率"), ("on_time_reply_rate", "按时回复率"), ("satisfaction_rate", "回访满意度"))
FIGURE_NAMES = dict(FIGURES)
HEADER = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1D5FBF")
MISSED_FILL = PatternFill("solid", fgColor="FDECEA")
PERCENT = "0.00%"
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def filename(month: str) -> str:
    return f"hechuan-complaints-{month}.xlsx"


def _local(when: datetime | None) -> datetime | None:
    """openpyxl writes naive datetimes: the Shanghai wall time."""
    return when.astimezone(SHANGHAI).replace(tzinfo=None, microsecond=0) if when is not None else None


def _met(rate: Rate) -> str:
    return "—" if rate.met is None else ("达标" if rate.met else "未达标")


def _table(sheet: Worksheet, first_row: int, header: list[str], rows: list[list[Any]],
           widths: list[int] | None = None) -> None:
    for column, title in enumerate(header, start=1):
        cell = sheet.cell(first_row, column, title)
        cell.font, cell.fill = HEADER, HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for r, row in enumerate(rows, start=first_row + 1):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(r, column, value)
            if isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
    for column, width in enumerate(widths or [], start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = f"A{first_row + 1}"


def _rate_cells(rate: Rate) -> list[Any]:
    return [rate.numerator, rate.denominator, rate.rate if rate.rate is not None else "—"]


def _percent_columns(sheet: Worksheet, first_row: int, columns: list[int]) -> None:
    for row in sheet.iter_rows(min_row=first_row + 1):
        for column in columns:
            cell = row[column - 1]
            if isinstance(cell.value, float):
                cell.number_format = PERCENT


def monthly_workbook(view: MonthlyReportView) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "三项指标"
    month = f"{view.month.year}年{view.month.month}月"
    sheet["A1"] = f"合川区生态环境投诉处理月报（{month}）"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = f"统计期 {view.period.first_day.isoformat()} 至 {view.period.last_day.isoformat()}"
    sheet["A3"] = f"数据截至 {_local(view.now):%Y-%m-%d %H:%M}（北京时间）；本月受理 {view.received} 件"
    rows = []
    for key, name in FIGURES:
        rate: Rate = getattr(view.overall, key)
        rows.append([name, rate.numerator, rate.denominator, rate.rate if rate.rate is not None else "—",
                     rate.target, _met(rate)])
    _table(sheet, 5, ["指标", "分子（达标数）", "分母（应统计数）", "比率", "目标", "是否达标"], rows,
           [16, 16, 18, 12, 10, 12])
    _percent_columns(sheet, 5, [4, 5])
    sheet["A10"] = ("口径：交办率 = 按时交办件数 ÷ 本月受理且交办期限已到或已交办件数；"
                    "按时回复率 = 回复期限（含批准延期）在本月或本月回复的轮次中按时回复数 ÷ 全部此类轮次"
                    "（逾期未回复计为超期）；回访满意度 = 本月评价为满意或基本满意的轮次 ÷ 本月有评价的轮次"
                    "（每轮以最新评价为准）。")
    sheet["A10"].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.merge_cells("A10:F12")

    for grouped in view.groups:
        part = book.create_sheet(grouped.title)
        what = {"department": "承办单位", "type": "类型", "town": "镇街"}[grouped.group_by]
        header = [what]
        for _, name in FIGURES:
            header += [f"{name}·分子", f"{name}·分母", name]
        lines = [[name, *_rate_cells(figures.assignment_rate), *_rate_cells(figures.on_time_reply_rate),
                  *_rate_cells(figures.satisfaction_rate)] for _, name, figures in grouped.rows]
        _table(part, 1, header, lines, [22] + [11] * 9)
        _percent_columns(part, 1, [4, 7, 10])

    overdue = book.create_sheet("超期案件")
    lines = []
    for missed in view.missed:
        case = missed.case
        late = None
        if case.due is not None:
            end = case.done_at or view.now
            late = round((end - case.due).total_seconds() / 3600, 1)
        lines.append([FIGURE_NAMES[missed.figure], case.tracking_code or case.complaint_id,
                      case.category_name or "未分类", case.town_name or "—", case.department_name or "待分拨",
                      case.reply_round, _local(case.due), _local(case.done_at) or "未完成", late])
    _table(overdue, 1, ["指标", "查询码", "类型", "镇街", "承办单位", "轮次", "期限", "完成时间", "超时（小时）"],
           lines, [12, 22, 12, 14, 22, 6, 18, 18, 12])
    for row in overdue.iter_rows(min_row=2):
        for cell in row:
            cell.fill = MISSED_FILL

    spots = book.create_sheet("问题清单")
    lines = []
    for v in view.hotspots:
        state = v.state
        lines.append([v.kind_name, v.title, v.hotspot.count, v.hotspot.reason, "是" if v.hotspot.flagged else "否",
                      v.status_name, state.owner if state else None, state.plan if state else None,
                      state.note if state else None,
                      "、".join(line.case.tracking_code or line.case.complaint_id for line in v.cases)])
    _table(spots, 1, ["类别", "问题", "件数", "预警原因", "当前预警", "状态", "包案领导", "整改方案", "办结说明",
                      "相关案件"], lines, [16, 24, 8, 48, 10, 12, 12, 36, 36, 48])
    spots.cell(len(lines) + 3, 1,
               f"问题清单为 {_local(view.hotspots_at):%Y-%m-%d %H:%M} 时的情况（含已包案、已销号的条目）")
    if view.consultations is not None:
        _consultations_sheet(book, view.consultations)

    out = BytesIO()
    book.save(out)
    return out.getvalue()



def _consultations_sheet(book: Workbook, found: ConsultationReport) -> None:
    """直接办结: the month's consultations closed on the spot, by type, article, operator and channel, side by
    side, and the twelve months up to it. Not complaints: no target counts them (docs/knowledge.md)."""
    sheet = book.create_sheet("直接办结")
    sheet["A1"] = f"直接办结（热线以知识库条目当场答复办结的咨询）：本月 {found.total} 件"
    sheet["A1"].font = Font(bold=True, size=12)
    parts: list[tuple[str, list[list[Any]]]] = [
        ("类型", [[c.name, c.count] for c in found.by_type]),
        ("知识条目", [[c.name, c.count] for c in found.by_article]),
        ("话务员", [[c.name, c.count] for c in found.by_operator]),
        ("渠道", [[c.name, c.count] for c in found.by_channel]),
        ("月份", [[m, n] for m, n in found.months]),
    ]
    for i, (what, rows) in enumerate(parts):
        column = 1 + 3 * i
        for c, title in enumerate((what, "件数")):
            cell = sheet.cell(3, column + c, title)
            cell.font, cell.fill = HEADER, HEADER_FILL
        for r, row in enumerate(rows, start=4):
            for c, value in enumerate(row):
                sheet.cell(r, column + c, value)
        sheet.column_dimensions[get_column_letter(column)].width = 30 if what == "知识条目" else 18
        sheet.column_dimensions[get_column_letter(column + 1)].width = 8


def assessment_workbook(assessment: Assessment, names: Mapping[str, str]) -> bytes:
    """考核: one sheet per kind (区级部门, 镇街) with the ranking and every indicator's numerator, denominator
    and rate, the red and black lists (红黑榜), and how it is computed (说明)."""
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    period = assessment.period
    for kind, title in (("district", "区级部门"), ("town", "镇街")):
        sheet = book.create_sheet(title)
        sheet["A1"] = f"合川区生态环境投诉办理考核（{title}，{period.first_day} 至 {period.last_day}）"
        sheet["A1"].font = Font(bold=True, size=14)
        header = ["名次", "单位", "得分", "交办件数"]
        for indicator in INDICATORS:
            name = INDICATOR_NAMES[indicator]
            header += [f"{name}·分子", f"{name}·分母", name]
        rows = []
        for unit in assessment.units:
            if unit.kind != kind:
                continue
            line: list[Any] = [unit.rank or "不参与排名", names.get(unit.department, unit.department),
                               unit.score if unit.score is not None else "—", unit.assignments]
            for indicator in INDICATORS:
                found = unit.indicators[indicator]
                line += [found.numerator, found.denominator, found.rate if found.rate is not None else "—"]
            rows.append(line)
        _table(sheet, 3, header, rows, [10, 24, 8, 10] + [9, 9, 10] * len(INDICATORS))
        _percent_columns(sheet, 3, [7 + 3 * i for i in range(len(INDICATORS))])
    lists = book.create_sheet("红黑榜")
    rows = []
    for kind, title in (("district", "区级部门"), ("town", "镇街")):
        for which, ranked in (("红榜", assessment.red[kind]), ("黑榜", assessment.black[kind])):
            rows += [[title, which, i + 1, names.get(code, code)] for i, code in enumerate(ranked)]
    _table(lists, 1, ["类别", "榜单", "序号", "单位"], rows, [12, 8, 8, 24])
    notes = book.create_sheet("说明")
    weights = "、".join(f"{INDICATOR_NAMES[i]} {assessment.policy.weights.get(i, 0):g}" for i in INDICATORS)
    for row, text in enumerate((
            "签收及时率 = 期内交办且在签收期限内签收的件数 ÷ 期内交办且已签收或签收期限已到的件数；",
            "按时回复率、满意率同三项指标口径，按承办单位统计；",
            "退单率 = 期内交办后被退单的件数 ÷ 期内交办件数（越低越好，得分 = 100 − 比率×100）；",
            "重办率 = 期内回复的轮次中之后被重办的轮次 ÷ 期内回复的轮次（越低越好）；",
            f"得分 = 各项得分按权重加权平均（权重：{weights}），无统计数据的指标不计入；",
            "知识库维护及时率 = 本单位知识条目中复核日期在期内且在当日或之前完成复核的 ÷ 复核日期在期内且已复核或"
            "已过期的（未维护知识条目的单位，如多数镇街，本项无数据，不计入得分）；",
            f"期内交办少于 {assessment.policy.min_cases} 件的单位不参与排名；红黑榜各取排名前后 "
            f"{assessment.policy.list_size} 名（同一单位不会同时上两榜）。"), start=1):
        notes.cell(row, 1, text)
    notes.column_dimensions["A"].width = 100
    out = BytesIO()
    book.save(out)
    return out.getvalue()
