"""`complaints import FILE.csv|FILE.xlsx --mapping MAPPING.yaml`: the older system's cases, in batches.

The entry point of the historical import: it reads the export (CSV in the mapping's encoding, or the
sheet of an .xlsx, streamed), sends the rows to intake's bus in batches (`ImportHistory`, one
transaction each), shows progress, and writes two reports beside the file: the rows refused with
their reasons, and the rows imported with their new tracking codes. A crash loses at most the batch
in flight, and running the same import again takes up where it stopped: numbers imported before are
skipped, never doubled.
"""

from __future__ import annotations

import csv
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import yaml

from services.intake.domain.commands import ImportHistory
from services.intake.domain.errors import InvalidMapping
from services.intake.domain.imports import ImportMapping
from services.intake.service_layer.imports import BatchOutcome

BATCH_SIZE = 500
Row = tuple[int, dict[str, Any]]


class UnreadableFile(Exception):
    """The export cannot be read as the mapping describes it (what to fix is in the message)."""


def load_mapping(path: Path) -> ImportMapping:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UnreadableFile(f"映射文件无法读取 / cannot read the mapping {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise UnreadableFile(f"映射文件不是有效的 YAML / the mapping {path} is not valid YAML: {exc}") from exc
    return ImportMapping.from_dict(data)


def read_rows(path: Path, mapping: ImportMapping) -> tuple[int | None, Iterator[Row]]:
    """(how many rows, if the file says; the rows as {header: cell} with their line in the file)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _count_lines(path, mapping), _csv_rows(path, mapping)
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(path, mapping)
    raise UnreadableFile(f"只支持 .csv 和 .xlsx / only .csv and .xlsx files can be imported, not {path.name}")


def _check_headers(headers: list[str], mapping: ImportMapping, path: Path) -> None:
    missing = [f"{name}（{header}）" for name, header in mapping.columns.items() if header not in headers]
    if missing:
        raise InvalidMapping(f"{path.name} 的表头中没有这些列 / columns missing from the file: {', '.join(missing)}; "
                             f"表头是 / the headers are: {', '.join(headers)}")


def _count_lines(path: Path, mapping: ImportMapping) -> int | None:
    try:
        with path.open(encoding=mapping.encoding, newline="") as handle:
            return max(0, sum(1 for _ in handle) - 1)
    except (OSError, UnicodeDecodeError, LookupError):
        return None  # _csv_rows says what is wrong


def _csv_rows(path: Path, mapping: ImportMapping) -> Iterator[Row]:
    try:
        handle: TextIO = path.open(encoding=mapping.encoding, newline="")
    except LookupError as exc:
        raise UnreadableFile(f"未知的编码 / unknown encoding {mapping.encoding!r}") from exc
    except OSError as exc:
        raise UnreadableFile(f"文件无法读取 / cannot read {path}: {exc.strerror}") from exc
    with handle:
        reader = csv.reader(handle, delimiter=mapping.delimiter)
        try:
            headers = [h.strip() for h in next(reader, [])]
            _check_headers(headers, mapping, path)
            line = reader.line_num
            for cells in reader:
                if any(cell.strip() for cell in cells):
                    yield line + 1, dict(zip(headers, cells, strict=False))
                line = reader.line_num
        except UnicodeDecodeError as exc:
            raise UnreadableFile(f"{path.name} 不是 {mapping.encoding} 编码，请在映射中写明 encoding（如 gb18030）/ "
                                 f"not {mapping.encoding}: set `encoding` in the mapping") from exc
        except csv.Error as exc:
            raise UnreadableFile(f"{path.name} 第 {reader.line_num} 行不是有效的 CSV / bad CSV: {exc}") from exc


def _xlsx_rows(path: Path, mapping: ImportMapping) -> tuple[int | None, Iterator[Row]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, InvalidFileException, KeyError, ValueError) as exc:
        raise UnreadableFile(f"{path.name} 不是可读的 .xlsx 文件 / not a readable .xlsx file: {exc}") from exc
    if mapping.sheet is not None and mapping.sheet not in book.sheetnames:
        book.close()
        raise InvalidMapping(f"没有工作表「{mapping.sheet}」/ no sheet {mapping.sheet!r}; "
                             f"有 / there are: {', '.join(book.sheetnames)}")
    sheet = book[mapping.sheet] if mapping.sheet is not None else book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    headers = ["" if h is None else str(h).strip() for h in next(rows, ())]
    _check_headers(headers, mapping, path)
    total = sheet.max_row - 1 if sheet.max_row else None

    def generate() -> Iterator[Row]:
        try:
            for line, cells in enumerate(rows, start=2):
                if any(cell is not None and str(cell).strip() for cell in cells):
                    yield line, dict(zip(headers, cells, strict=False))
        finally:
            book.close()

    return total, generate()


# --- the run ---------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What a run did, row by row, for the summary and the two report files."""

    dry_run: bool
    read: int = 0
    already: int = 0
    imported: list[tuple[int, str, str, str]] = field(default_factory=list)  # line, number, code, kind
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # line, number, reasons
    lines_of: dict[str, int] = field(default_factory=dict)  # number → the line of this file that took it

    @property
    def history(self) -> int:
        return sum(1 for row in self.imported if row[3] == "history")

    @property
    def opened(self) -> int:
        return len(self.imported) - self.history

    def add(self, outcome: BatchOutcome, rows: int) -> None:
        self.read += rows
        for row in outcome.imported:
            if (earlier := self.lines_of.get(row.legacy_id)) is not None:  # a dry run stores nothing between batches
                self._same_number(row.line, row.legacy_id, earlier)
                continue
            self.lines_of[row.legacy_id] = row.line
            self.imported.append((row.line, row.legacy_id.partition(":")[2], row.tracking_code,
                                  "history" if row.finished else "open"))
        for skipped in outcome.already:
            earlier = skipped.earlier_in_batch or self.lines_of.get(skipped.legacy_id)
            if earlier is not None:
                self._same_number(skipped.line, skipped.legacy_id, earlier)
            else:
                self.already += 1
        for refused in outcome.rejected:
            self.rejected.append((refused.line, refused.number, "；".join(refused.reasons)))

    def _same_number(self, line: int, legacy_id: str, earlier: int) -> None:
        self.rejected.append((line, legacy_id.partition(":")[2],
                              f"编号与第 {earlier} 行重复 / the same number as line {earlier}"))


def run_import(bus: Any, path: Path, mapping: ImportMapping, *, dry_run: bool = False, batch_size: int = BATCH_SIZE,
               progress: TextIO | None = None) -> ImportReport:
    total, rows = read_rows(path, mapping)
    report = ImportReport(dry_run=dry_run)
    bar = Progress(total, progress or sys.stderr)
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= batch_size:
            _send(bus, mapping, batch, report, dry_run)
            bar.show(report)
            batch = []
    if batch:
        _send(bus, mapping, batch, report, dry_run)
    bar.done(report)
    return report


def _send(bus: Any, mapping: ImportMapping, batch: list[Row], report: ImportReport, dry_run: bool) -> None:
    outcome: BatchOutcome = bus.handle(ImportHistory(mapping, tuple(batch), dry_run=dry_run))
    report.add(outcome, len(batch))


class Progress:
    """A bar on a terminal; on a log (not a terminal) a line every tenth of the way."""

    def __init__(self, total: int | None, out: TextIO) -> None:
        self.total, self.out, self.started = total, out, time.monotonic()
        self.tty = out.isatty()
        self.next_tenth = 1
        self.shown_at = -1  # rows read when a line was last printed

    def _line(self, report: ImportReport) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = report.read / elapsed
        if self.total:
            share = min(report.read / self.total, 1.0)
            bar = "#" * int(share * 30)
            head = f"[{bar:<30}] {report.read:,}/{self.total:,} {share:4.0%}"
        else:
            head = f"{report.read:,} 行"
        return (f"{head}  {rate:,.0f} 行/秒  导入 {len(report.imported):,}  已有 {report.already:,}  "
                f"拒绝 {len(report.rejected):,}")

    def show(self, report: ImportReport) -> None:
        if self.tty:
            print("\r" + self._line(report), end="", file=self.out, flush=True)
        elif self.total and report.read >= self.total * self.next_tenth / 10:
            print(self._line(report), file=self.out, flush=True)
            self.next_tenth = int(report.read * 10 / self.total) + 1
            self.shown_at = report.read

    def done(self, report: ImportReport) -> None:
        if self.tty:
            print("\r" + self._line(report), file=self.out, flush=True)
        elif self.shown_at != report.read:
            print(self._line(report), file=self.out, flush=True)


def write_reports(report: ImportReport, path: Path) -> tuple[Path | None, Path | None]:
    """`<file>.rejected.csv` (line, number, reasons) and, unless a dry run, `<file>.imported.csv`
    (line, number, tracking code, history|open). UTF-8 with a BOM, so that Excel opens them right."""
    rejected_path = imported_path = None
    if report.rejected:
        rejected_path = path.with_name(path.name + ".rejected.csv")
        with rejected_path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["行号 line", "编号 number", "原因 reasons"])
            writer.writerows(sorted(report.rejected))
    if report.imported and not report.dry_run:
        imported_path = path.with_name(path.name + ".imported.csv")
        with imported_path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["行号 line", "编号 number", "查询码 tracking code", "类别 kind"])
            writer.writerows(report.imported)
    return rejected_path, imported_path


def summary(report: ImportReport, elapsed: float, rejected_path: Path | None, imported_path: Path | None) -> str:
    verb = "检查（试运行，未写入）/ checked (dry run, nothing stored)" if report.dry_run else "导入 / imported"
    lines = [
        f"{verb}: 读取 {report.read:,} 行，用时 {elapsed:.1f} 秒（{report.read / max(elapsed, 1e-6):,.0f} 行/秒）",
        f"  历史件（已办结）/ history: {report.history:,}",
        f"  未办结，转入办理 / open, handled from now on: {report.opened:,}",
        f"  此前已导入，跳过 / imported before, skipped: {report.already:,}",
        f"  拒绝 / rejected: {len(report.rejected):,}" + (f" → {rejected_path}" if rejected_path else ""),
    ]
    if imported_path:
        lines.append(f"  新查询码 / the new tracking codes: {imported_path}")
    return "\n".join(lines)
