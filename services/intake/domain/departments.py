"""Intake's copy of routing's department directory: only what intake shows (names) and checks (active).

Routing owns departments and publishes its directory (`DepartmentsChangedV1`); intake keeps the latest
snapshot and looks names up when it shows something, so a renamed or new department is named
correctly everywhere at once. An unknown code is shown as the code itself, never as an error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.intake.domain.errors import UnknownDepartment


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    active: bool = True


class DepartmentDirectory:
    def __init__(self, departments: Iterable[Department] = ()) -> None:
        self._by_code = {d.code: d for d in departments}

    def __len__(self) -> int:
        return len(self._by_code)

    def codes(self) -> list[str]:
        return list(self._by_code)

    def name_of(self, code: str | None) -> str | None:
        """The department's name, or its code when routing has not named it (yet)."""
        if code is None:
            return None
        department = self._by_code.get(code)
        return department.name if department else code

    def find(self, value: str) -> str | None:
        """A department's code, given its code or its name exactly as routing names it."""
        if value in self._by_code:
            return value
        return next((d.code for d in self._by_code.values() if d.name == value), None)

    def check_assignable(self, code: str) -> None:
        """A person may be attached to an existing, active department only."""
        department = self._by_code.get(code)
        if department is None or not department.active:
            raise UnknownDepartment(code, inactive=department is not None)


def supersedes(snapshot_revision: int, stored_revision: int | None) -> bool:
    """A snapshot replaces the stored directory unless it is older (redelivery and reordering are harmless)."""
    return stored_revision is None or snapshot_revision >= stored_revision
