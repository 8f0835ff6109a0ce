"""`complaints anonymise`: the reporter's personal data of complaints finished before a date, removed in
batches while the services run (the rules: domain/retention.py; the statements: adapters/retention_store.py).

A dry run (the default) counts what would go and changes nothing. With `apply`, each batch is its own
transaction: the batch's complaints are locked (PostgreSQL; SQLite has one writer at a time), their
personal data removed, their texts scrubbed, and each gets the archive line on its timeline, which is also
what makes a second run pass them by. Interrupted, it is run again and goes on where it stopped.
Every run, dry or not, ends with one line on the `complaints.audit` log (what, up to which date, how many).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, fields

from sqlalchemy.engine import Engine

from services.intake.adapters import retention_store as store
from services.intake.domain.retention import Cutoff
from shared.clock import Clock

DEFAULT_BATCH = 200
audit = logging.getLogger("complaints.audit")


@dataclass
class RetentionReport:
    cutoff: Cutoff
    applied: bool
    complaints: int = 0  # complaints finished before the cutoff and not archived yet (anonymised, when applied)
    with_reporter: int = 0
    with_token: int = 0
    texts_scrubbed: int = 0
    timeline_scrubbed: int = 0
    comments_scrubbed: int = 0
    wechat_recipients: int = 0
    messages: int = 0
    channel_refs: int = 0
    idempotency_keys: int = 0
    upstream_pushes: int = 0
    wechat_drafts: int = 0
    logged_events_scrubbed: int = 0  # events in this database's log about them, rewritten (applied runs only)
    skipped: int = 0  # reopened meanwhile: left as they are
    batches: int = 0

    def counts(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("cutoff", "applied")}

    def audit_line(self, by: str) -> str:
        mode = "applied" if self.applied else "dry run"
        figures = ", ".join(f"{name}={value}" for name, value in self.counts().items())
        return f"anonymise ({mode}) by {by}: complaints finished before {self.cutoff.day.isoformat()}: {figures}"


Progress = Callable[[RetentionReport], None]


def anonymise(engine: Engine, clock: Clock, cutoff: Cutoff, *, source: str, apply: bool = False,
              batch: int = DEFAULT_BATCH, by: str = "cli", progress: Progress | None = None) -> RetentionReport:
    """Remove (or, a dry run, count) the personal data of the complaints finished before `cutoff`."""
    report = RetentionReport(cutoff, applied=apply)
    after: str | None = None
    while True:
        connection = engine.begin() if apply else engine.execution_options(read_only=True).begin()
        with connection as conn:  # one batch, one transaction
            ids = store.due(conn, cutoff.before, after=after, limit=batch, lock=apply)
            if not ids:
                break
            planned = store.plan(conn, ids)
            done, logged = store.apply(conn, planned, at=clock.now(), source=source) if apply else (len(ids), 0)
        after = ids[-1]
        report.batches += 1
        report.complaints += done
        report.skipped += len(ids) - done
        report.logged_events_scrubbed += logged
        for name in ("with_reporter", "with_token", "wechat_recipients", "messages", "channel_refs",
                     "idempotency_keys", "upstream_pushes"):
            setattr(report, name, getattr(report, name) + getattr(planned, name))
        report.texts_scrubbed += planned.texts
        report.timeline_scrubbed += len(planned.timeline)
        report.comments_scrubbed += len(planned.comments)
        if progress is not None:
            progress(report)
    with (engine.begin() if apply else engine.execution_options(read_only=True).begin()) as conn:
        report.wechat_drafts = store.stale_drafts(conn, cutoff.before, delete=apply)
    audit.info(report.audit_line(by))
    return report
