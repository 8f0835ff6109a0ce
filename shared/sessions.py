"""Ended sessions: the check every service makes of a signed-in caller's token, beyond its signature.

Accounts live in intake. When a staff member's sessions end (deactivated, password changed, signed
out), intake raises the user's token version and publishes `SessionsEndedV1`; tokens carry the version
they were issued with (`ver`). Every database keeps the highest version per user in one small table
(`auth_ended_sessions`, migrated with the event tables): intake writes it in the same transaction as the
change, routing and notify from the event. A token whose version is below the kept one is refused.

The window: intake refuses at once; routing and notify once their consumer has applied the event (the
same process at once on the embedded log; on Kafka, as long as their consumer lags, normally seconds).
A user the table does not name has ended no session.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from shared.auth import Principal
from shared.contracts.events import SessionsEndedV1
from shared.errors import Unauthorized
from shared.eventbus.tables import EndedSessionRow
from shared.uow import SqlUnitOfWork

ENDED_SESSIONS: sa.Table = EndedSessionRow.__table__  # type: ignore[attr-defined]


class SessionsEnded(Unauthorized):
    def __init__(self) -> None:
        super().__init__("登录已失效，请重新登录 / this session has ended: sign in again")


class EndedSessions:
    """The table on one transaction: keep the highest version seen per user (an event delivered twice or
    late changes nothing)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def end(self, username: str, token_version: int) -> None:
        row = self.session.get(EndedSessionRow, username, with_for_update=True)
        if row is None:
            self.session.add(EndedSessionRow(username=username, token_version=token_version))
        elif row.token_version < token_version:
            row.token_version = token_version


def record_ended_sessions(event: SessionsEndedV1, uow: SqlUnitOfWork) -> None:
    """The handler of `SessionsEndedV1` in the services that do not own accounts (routing, notify)."""
    EndedSessions(uow.session).end(event.username, event.token_version)
    uow.commit()


class SessionGuard:
    """Refuses a principal whose sessions ended, from the table in the process's database(s)."""

    def __init__(self, engines: Iterable[Engine]) -> None:
        self._engines = [engine.execution_options(read_only=True) for engine in engines]

    def ended_version(self, username: str) -> int:
        versions = [0]
        for engine in self._engines:
            with engine.connect() as conn:
                found = conn.execute(sa.select(ENDED_SESSIONS.c.token_version)
                                     .where(ENDED_SESSIONS.c.username == username)).scalar()
                versions.append(found or 0)
        return max(versions)

    def check(self, principal: Principal) -> Principal:
        if principal.version < self.ended_version(principal.username):
            raise SessionsEnded()
        return principal
