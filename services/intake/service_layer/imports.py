"""Intake's handler for the historical import (registered in handlers.py's tables).

One batch of rows in one transaction: each row is read and checked (`domain.imports.read_row`); a
finished case becomes history (`Complaint.import_history`), an open one a complaint received today
(`Complaint.receive`, routed and timed like any other); a number imported before is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from services.intake.domain import commands as c
from services.intake.domain.complaint import Complaint
from services.intake.domain.errors import DirectoryNotSynced
from services.intake.domain.imports import HistoricalRecord, read_row
from services.intake.service_layer.uow import IntakeUnitOfWork

if TYPE_CHECKING:
    from services.intake.service_layer.handlers import Cipher


@dataclass(frozen=True)
class ImportedRow:
    line: int
    legacy_id: str
    tracking_code: str
    finished: bool  # history (True) or received to be handled now (False)


@dataclass(frozen=True)
class SkippedRow:
    line: int
    legacy_id: str
    earlier_in_batch: int | None = None  # the line of this batch that holds the same number, if any


@dataclass(frozen=True)
class RejectedRow:
    line: int
    number: str
    reasons: tuple[str, ...]


@dataclass
class BatchOutcome:
    imported: list[ImportedRow] = field(default_factory=list)
    already: list[SkippedRow] = field(default_factory=list)  # imported before, or twice in this batch
    rejected: list[RejectedRow] = field(default_factory=list)


def import_history(cmd: c.ImportHistory, uow: IntakeUnitOfWork, cipher: Cipher) -> BatchOutcome:
    from services.intake.service_layer.handlers import seal_reporter  # handlers registers this module

    now = uow.clock.now()
    directory = uow.department_names.directory()
    if not len(directory):
        raise DirectoryNotSynced()
    outcome = BatchOutcome()
    records: list[tuple[int, HistoricalRecord]] = []
    for line, cells in cmd.rows:
        read = read_row(cmd.mapping, cells, now=now, departments=directory)
        if isinstance(read, list):
            number = str(cells.get(cmd.mapping.columns["legacy_id"]) or "").strip()
            outcome.rejected.append(RejectedRow(line, number, tuple(read)))
        else:
            records.append((line, read))
    before = uow.complaints.imported_already(record.legacy_id for _, record in records)
    first_line: dict[str, int] = {}
    new: list[Complaint] = []
    for line, record in records:
        if record.legacy_id in before or record.legacy_id in first_line:
            outcome.already.append(SkippedRow(line, record.legacy_id, first_line.get(record.legacy_id)))
            continue
        first_line[record.legacy_id] = line
        reporter = seal_reporter(c.Reporter(record.reporter_name, record.reporter_phone, record.anonymous), cipher)
        if record.finished:
            complaint = Complaint.import_history(record, reporter=reporter, at=now)
        else:
            complaint = Complaint.receive(
                channel=record.channel, content=record.content, category=record.category,
                subcategory=record.subcategory, town=record.town, address=record.address, reporter=reporter,
                at=now, seal=cipher.encrypt, legacy_id=record.legacy_id,
                legacy_received_at=record.received_at)
        new.append(complaint)
        outcome.imported.append(ImportedRow(line, record.legacy_id, complaint.tracking_code, record.finished))
    uow.complaints.add_many(new)
    if not cmd.dry_run:
        uow.commit()
    return outcome
