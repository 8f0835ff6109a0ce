"""The public 边督边改 table as an .xlsx workbook (openpyxl), in the columns Chongqing's districts publish:
a title row, the header, one row per case. Made only from the public rows (never personal data)."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from services.routing.service_layer.inspections import PublicTable

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WIDTHS = (6, 20, 48, 18, 12, 40, 10, 48, 24, 12)
HEADER = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def filename(table: PublicTable) -> str:
    return f"inspections-batch-{table.batch}.xlsx" if table.batch is not None else "inspections.xlsx"


def title(table: PublicTable) -> str:
    batch = f"（第{table.batch}批）" if table.batch is not None else ""
    return f"{table.round_name or ''}{table.title}{batch}"


def public_workbook(table: PublicTable) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "边督边改"
    width = len(table.columns)
    sheet.cell(1, 1, title(table)).font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.cell(1, 1).alignment = Alignment(horizontal="center")
    for column, (_key, label) in enumerate(table.columns, start=1):
        cell = sheet.cell(2, column, label)
        cell.font, cell.fill, cell.border = HEADER, HEADER_FILL, BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for r, row in enumerate(table.rows, start=3):
        for column, (key, _label) in enumerate(table.columns, start=1):
            cell = sheet.cell(r, column, row[key])
            cell.border = BOX
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    for column, size in enumerate(WIDTHS[:width], start=1):
        sheet.column_dimensions[get_column_letter(column)].width = size
    sheet.freeze_panes = "A3"
    out = BytesIO()
    book.save(out)
    return out.getvalue()
