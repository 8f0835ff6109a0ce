"""One holder at a time for a periodic job that several replicas run (the SLA sweeper): a lease row.

A replica takes the lease when nobody holds it or the holder's time ran out, and renews it every
time its job runs; a replica that dies (kill -9, a lost node) stops renewing, and another takes over
once `ttl` has passed. A plain row, not a session-bound advisory lock, so it behaves the same on SQLite
and PostgreSQL and survives connection pools; the take is one conditional UPDATE (or the first
INSERT), so two replicas never both win. The job itself stays safe without it (an alert is unique per
clock, cycle and level); the lease keeps replicas from doing the same work twice.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from shared.clock import Clock
from shared.db import AwareDateTime

log = logging.getLogger(__name__)


def lease_table(name: str) -> sa.Table:
    return sa.Table(
        name, SQLModel.metadata,
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("expires_at", AwareDateTime(), nullable=False),
    )


def this_process() -> str:
    """A holder's name: host, process id and a random part (a restarted process is another holder)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Lease:
    def __init__(self, engine: Engine, table: sa.Table, name: str, clock: Clock, *, ttl: timedelta,
                 holder: str | None = None) -> None:
        self.engine, self.table, self.name, self.clock, self.ttl = engine, table, name, clock, ttl
        self.holder = holder or this_process()
        self.held = False

    def acquire(self) -> bool:
        """Take or renew the lease; True while this replica holds it."""
        now = self.clock.now()
        t = self.table
        with self.engine.begin() as conn:
            done: Any = conn.execute(t.update().where(
                t.c.name == self.name, sa.or_(t.c.holder == self.holder, t.c.expires_at < now))
                .values(holder=self.holder, expires_at=now + self.ttl))
            taken = bool(done.rowcount)
        if not taken:
            try:
                with self.engine.begin() as conn:
                    conn.execute(t.insert().values(name=self.name, holder=self.holder, expires_at=now + self.ttl))
                taken = True
            except IntegrityError:
                taken = False  # another replica holds it (or took it just now)
        if taken != self.held:
            log.info("lease %s %s by %s", self.name, "taken" if taken else "lost", self.holder)
        self.held = taken
        return taken

    def release(self) -> None:
        """Give it up at a clean stop, so another replica need not wait for it to run out."""
        if not self.held:
            return
        with self.engine.begin() as conn:
            conn.execute(self.table.delete().where(self.table.c.name == self.name,
                                                   self.table.c.holder == self.holder))
        self.held = False

    def holder_now(self) -> str | None:
        with self.engine.connect() as conn:
            return conn.scalar(sa.select(self.table.c.holder).where(self.table.c.name == self.name,
                                                                     self.table.c.expires_at >= self.clock.now()))


def under_lease(lease: Lease, job: Callable[[], object]) -> Callable[[], object]:
    """The job as a worker runs it: only while this replica holds (and has just renewed) the lease."""

    def run() -> object:
        return job() if lease.acquire() else None

    return run
