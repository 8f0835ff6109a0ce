"""A petition step's document as a Word file (.docx, python-docx): the bureau's name, the title, the petition's
number, a table of the particulars (number, tracking code, the petitioner masked, dates and deadlines), the
filled-in paragraphs, and the bureau and date at the foot. The file's properties carry the step's moment, so
the same step always gives the same document."""

from __future__ import annotations

from datetime import UTC
from io import BytesIO

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.oxml.text.font import CT_RPr
from docx.shared import Pt
from docx.text.run import Run

from services.routing.domain.petitions import PetitionDocument, chinese_date

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FONT = "宋体"
HEADING_FONT = "黑体"


def _east_asian(properties: CT_RPr, name: str) -> None:
    """Chinese text takes the East Asian font (w:eastAsia), which `font.name` alone does not set."""
    properties.get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _style_run(run: Run, name: str, size: float, *, bold: bool = False) -> None:
    run.font.name, run.font.size, run.font.bold = name, Pt(size), bold
    _east_asian(run._r.get_or_add_rPr(), name)


def render(doc: PetitionDocument) -> bytes:
    """The .docx bytes of a filled-in petition document."""
    word = Document()
    normal = word.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(12)  # type: ignore[attr-defined]
    _east_asian(normal.element.get_or_add_rPr(), FONT)
    properties = word.core_properties
    properties.title, properties.subject = doc.title, doc.number
    properties.author = properties.last_modified_by = doc.bureau
    properties.created = properties.modified = doc.created_at.astimezone(UTC).replace(tzinfo=None)
    properties.revision = 1

    for text, size in ((doc.bureau, 18), (doc.title, 16)):
        heading = word.add_paragraph()
        heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _style_run(heading.add_run(text), HEADING_FONT, size, bold=True)
    number = word.add_paragraph(doc.number)
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER

    table = word.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in doc.fields:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value

    word.add_paragraph()
    for text in doc.paragraphs:
        for line in text.splitlines() or [""]:
            word.add_paragraph(line)

    for text in (doc.bureau, chinese_date(doc.dated)):
        foot = word.add_paragraph(text)
        foot.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = BytesIO()
    word.save(out)
    return out.getvalue()
