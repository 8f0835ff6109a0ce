"""Helpers of the repositories that write with Core statements built once (the consumers' hot path, issue 12;
docs/architecture.md, "Writing on the consumers' hot path"): no ORM object is made or flushed for a row
written there.

A Core write does not touch an ORM object of the same row that another reader of the same unit of work
may hold (its session keeps it, with expire_on_commit off): `expire_row` and `expire_held` expire those, so
they are read again when next used, as they would have been kept in step by an ORM write.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

from sqlalchemy import CursorResult, Result
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key


def inserted_id(written: Result[Any]) -> Any:
    """The generated primary key of the one row an `insert(table)` statement wrote."""
    key = cast(CursorResult[Any], written).inserted_primary_key
    assert key is not None  # one row inserted: its generated id
    return key[0]


def expire_row(session: Session, mapped: type, ident: Any) -> None:
    """Expire the ORM object of `mapped` with this primary key (a value, or a tuple in the table's key order), if
    the session holds one."""
    loaded = session.identity_map.get(identity_key(mapped, ident))
    if loaded is not None:
        session.expire(loaded)


def expire_held(session: Session, mapped: type, where: Callable[[Mapping[str, Any]], bool]) -> None:
    """Expire the ORM objects of `mapped` in the session whose loaded columns satisfy `where` (an object
    already expired has nothing loaded to be stale, and is left alone): for rows written by another column
    than their key."""
    stale = [state.obj() for state in session.identity_map.all_states()
             if state.class_ is mapped and state.dict and where(state.dict)]
    for obj in stale:
        if obj is not None:
            session.expire(obj)
