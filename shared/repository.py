"""The one way every repository writes its aggregates back: at commit, what changed since it was loaded.

A repository `_hold`s each aggregate it loads or adds: it hands it to the unit of work (`track`, so
the events it records go out at commit) and keeps a deep copy as loaded. The unit of work's
`commit()` calls `save_changes()`, which writes each held aggregate that differs from its copy (a
new one always) through the subclass's `_write(aggregate, before)`, in the same transaction as the
events. So handlers never save: they call the domain and commit, and nothing unchanged is written.
"""

from __future__ import annotations

import copy
import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any, Generic, TypeVar
from uuid import UUID

from sqlalchemy.orm import Session

from shared.domain import Aggregate

A = TypeVar("A", bound=Aggregate)
Track = Callable[[Aggregate], object]


def _state(aggregate: Aggregate) -> dict[str, Any]:
    """What is compared: the instance's fields, not its pending events (those are the outbox's).

    `vars()` rather than `==`: some aggregates are dataclasses with `eq=False`, some plain classes.
    """
    return {name: value for name, value in vars(aggregate).items() if name != "_events"}


def _copy(aggregate: A) -> A:
    """A deep copy of the aggregate's state, as the `before` of the next write."""
    snapshot = copy.copy(aggregate)
    snapshot.__dict__ = {name: _snapshot(value) for name, value in _state(aggregate).items()}
    return snapshot


# Values that never change once made: shared by the copy, not copied.
_IMMUTABLE = (str, int, float, bool, bytes, type(None), datetime, date, time, timedelta, Decimal, UUID, Enum)


def _snapshot(value: Any) -> Any:
    """`copy.deepcopy` for what aggregates hold (text, numbers, times, enums, lists and dicts of them,
    dataclasses with a __dict__), several times faster; anything else goes to deepcopy."""
    if isinstance(value, _IMMUTABLE):
        return value
    kind = type(value)
    if kind is list:
        return [_snapshot(item) for item in value]
    if kind is tuple:
        return tuple(_snapshot(item) for item in value)
    if kind is dict:
        return {key: _snapshot(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and hasattr(value, "__dict__") and not hasattr(kind, "__slots__"):
        fields = vars(value)
        if kind.__dataclass_params__.frozen and all(isinstance(item, _IMMUTABLE)  # type: ignore[attr-defined]
                                                    for item in fields.values()):
            return value  # a frozen value of immutable parts cannot change: shared, like a str
        clone = copy.copy(value)
        vars(clone).update({name: _snapshot(item) for name, item in fields.items()})
        return clone
    return copy.deepcopy(value)


class Repository(ABC, Generic[A]):
    """Base of the repositories of aggregates; subclasses load rows, build aggregates, and `_write`."""

    def __init__(self, session: Session, track: Track) -> None:
        self.session = session
        self._track = track
        self._held: dict[Hashable, tuple[A, A | None]] = {}  # key → (aggregate, copy as last written)

    def held(self, key: Hashable) -> A | None:
        """The aggregate this unit of work already has under `key`: one object per row, so a second
        `get` returns it (with its changes) instead of a fresh copy of the row."""
        entry = self._held.get(key)
        return entry[0] if entry is not None else None

    def _hold(self, key: Hashable, aggregate: A, *, new: bool) -> A:
        """Keep a loaded (`new=False`) or added (`new=True`) aggregate until commit; returns it."""
        self._track(aggregate)
        self._held[key] = (aggregate, None if new else _copy(aggregate))
        return aggregate

    def save_changes(self) -> None:
        """Write what changed since it was loaded (or last written); called by the unit of work's commit."""
        for key, (aggregate, before) in list(self._held.items()):
            if before is None or _state(aggregate) != _state(before):
                self._write(aggregate, before)
                self._held[key] = (aggregate, _copy(aggregate))

    def forget(self) -> None:
        """After a rollback: what was held did not happen, and the rows may have changed since."""
        self._held.clear()

    @abstractmethod
    def _write(self, aggregate: A, before: A | None) -> None:
        """Write the aggregate to its rows; `before` is its state as last written (None: insert it)."""
