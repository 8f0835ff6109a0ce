"""notify's copy of routing's department directory (承办单位): the names it shows and writes in messages.

Routing owns the directory and sends all of it (DepartmentsChangedV1) whenever it changes; notify
replaces its copy with a snapshot that is not older than the one it has. A code it does not know
(yet) is shown as the code itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from shared.contracts.events import DepartmentEntry
from shared.domain import Aggregate

TRIAGE = "人工分拨岗"  # who acts while no department has the case


@dataclass(frozen=True)
class DepartmentName:
    code: str
    name: str
    active: bool = True
    kind: str = "district"  # district (区级部门) | town (镇街)


@dataclass
class DepartmentDirectory(Aggregate):
    names: dict[str, DepartmentName] = field(default_factory=dict)
    changed_at: datetime | None = None  # of the snapshot held (None: none received yet)
    revision: int | None = None  # of the snapshot held: a lower one arriving late never replaces it

    def replace(self, departments: Iterable[DepartmentEntry], revision: int, changed_at: datetime) -> bool:
        """Take a snapshot unless it is older than the one held; True when it was taken."""
        if self.revision is not None and revision < self.revision:
            return False
        self.names = {d.code: DepartmentName(d.code, d.name, d.active, d.kind) for d in departments}
        self.revision, self.changed_at = revision, changed_at
        return True

    def kind_of(self, code: str) -> str:
        known = self.names.get(code)
        return known.kind if known else ("town" if code.startswith("town_") else "district")

    def name_of(self, code: str) -> str:
        known = self.names.get(code)
        return known.name if known else code

    def unit(self, code: str | None) -> str:
        """Who must act, as a message names them: the department, or triage while there is none."""
        return self.name_of(code) if code else TRIAGE
