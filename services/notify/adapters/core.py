"""Helpers of the adapters that write with Core statements built once (the consumer's hot path, issue 12):
no ORM object is made or flushed for a row read or written there.

A Core write does not touch an ORM object of the same row that another reader of the same unit of work
may hold (its session keeps it, with expire_on_commit off): `expire_held` expires those, so they are read
again when next used, as they would have been kept in step by an ORM write.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session


def expire_held(session: Session, mapped: type, where: Callable[[Mapping[str, Any]], bool]) -> None:
    """Expire the ORM objects of `mapped` in the session whose loaded columns satisfy `where` (an object
    already expired has nothing loaded to be stale, and is left alone)."""
    stale = [state.obj() for state in session.identity_map.all_states()
             if state.class_ is mapped and state.dict and where(state.dict)]
    for obj in stale:
        if obj is not None:
            session.expire(obj)
