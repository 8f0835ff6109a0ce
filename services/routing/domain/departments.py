"""The department directory (承办单位): routing owns it, and publishes it whole whenever it changes.

A department's code is part of its dispatch topic (complaints.dispatch.<code>), so it is ASCII,
lower case, and never one of the words rules use instead of a department ("town", "triage").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from services.routing.domain.errors import DepartmentNotFound, DuplicateDepartment, InvalidRequest
from services.routing.domain.routing import TOWN
from shared.contracts.codes import TRIAGE
from shared.contracts.events import DepartmentEntry, DepartmentsChangedV1
from shared.domain import Aggregate

CODE = re.compile(r"^[a-z0-9_]{1,64}$")
KINDS = ("district", "town")  # 区级部门 | 镇街
RESERVED = (TOWN, TRIAGE)


@dataclass
class Department:
    code: str
    name: str
    kind: str
    active: bool = True
    revision: int = 0  # the directory's revision when this department last changed


def _name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise InvalidRequest("部门名称须为 1 到 100 个字 / the name must be 1 to 100 characters")
    return name


class DepartmentDirectory(Aggregate):
    """Every department, active or not; each change records the directory as it now stands, with a
    revision one higher than the last (the other services keep the highest they have seen)."""

    def __init__(self, departments: Iterable[Department]) -> None:
        self._by_code = {d.code: d for d in departments}
        self.revision = max((d.revision for d in self._by_code.values()), default=0)

    def __iter__(self) -> Iterator[Department]:
        return iter(sorted(self._by_code.values(), key=lambda d: d.code))

    def get(self, code: str) -> Department:
        try:
            return self._by_code[code]
        except KeyError:
            raise DepartmentNotFound(f"没有这个部门 / no such department: {code}") from None

    def define(self, code: str, name: str, kind: str, *, at: datetime) -> Department:
        """A new department (新增承办单位): a unique code usable in a topic name, a name, a kind."""
        if not CODE.match(code) or code in RESERVED:
            raise InvalidRequest(f"部门代码只能由小写字母、数字和下划线组成 / the code must match [a-z0-9_]+ "
                                 f"(at most 64) and not be {' or '.join(RESERVED)}: {code!r}")
        if kind not in KINDS:
            raise InvalidRequest(f"部门类型须为 {' 或 '.join(KINDS)} / kind must be one of {', '.join(KINDS)}")
        if code in self._by_code:
            raise DuplicateDepartment(f"部门代码已存在 / a department with code {code} exists already")
        department = self._by_code[code] = Department(code, _name(name), kind)
        self._changed(at, department)
        return department

    def update(self, code: str, *, name: str | None = None, active: bool | None = None,
               at: datetime) -> Department:
        """Rename, switch off or on again; the directory is published only when something changed."""
        department = self.get(code)
        before = (department.name, department.active)
        if name is not None:
            department.name = _name(name)
        if active is not None:
            department.active = active
        if (department.name, department.active) != before:
            self._changed(at, department)
        return department

    def add_missing(self, departments: Iterable[Department], *, at: datetime) -> list[Department]:
        """Seeding: the departments not in the directory yet (what an administrator changed stays)."""
        added = [d for d in departments if d.code not in self._by_code]
        self._by_code.update((d.code, d) for d in added)
        if added:
            self._changed(at, *added)
        return added

    def _changed(self, at: datetime, *changed: Department) -> None:
        self.revision += 1
        for department in changed:
            department.revision = self.revision
        self.record(DepartmentsChangedV1, revision=self.revision, changed_at=at, departments=[
            DepartmentEntry(code=d.code, name=d.name, kind=d.kind, active=d.active) for d in self])
