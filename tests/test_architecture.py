"""The shape STYLE.md promises: no service imports another; domain code imports no framework."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from services.composition import SERVICE_NAMES

ROOT = Path(__file__).resolve().parents[1]


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def python_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_a_service_never_imports_another_service(service):
    others = [name for name in SERVICE_NAMES if name != service]
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in python_files(ROOT / "services" / service)
        for name in imports_of(path)
        if any(name == f"services.{other}" or name.startswith(f"services.{other}.") for other in others)
        or name in ("services.app", "services.cli", "services.composition")
    ]
    assert offenders == []


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_domain_code_imports_no_framework_and_no_database(service):
    forbidden = ("sqlalchemy", "sqlmodel", "fastapi", "starlette", "kafka", "alembic", "httpx")
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in python_files(ROOT / "services" / service / "domain")
        for name in imports_of(path)
        if name.split(".")[0] in forbidden
    ]
    assert offenders == []


def test_shared_code_imports_no_service():
    offenders = [f"{p.relative_to(ROOT)}: {n}" for p in python_files(ROOT / "shared") for n in imports_of(p)
                 if n.split(".")[0] == "services"]
    assert offenders == []


def test_only_one_module_imports_kafka():
    importers = sorted(
        str(path.relative_to(ROOT))
        for folder in ("shared", "services")
        for path in python_files(ROOT / folder)
        if any(name.split(".")[0] == "kafka" for name in imports_of(path))
    )
    assert len(importers) <= 1, importers
