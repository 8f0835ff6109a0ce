"""The shape STYLE.md promises: no service imports another; domain code imports no framework."""

from __future__ import annotations

import ast
import importlib
import inspect
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
    assert importers == ["shared/eventbus/kafka_bus.py"]


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_handlers_and_domain_know_nothing_of_http(service):
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for layer in ("domain", "service_layer")
        for path in python_files(ROOT / "services" / service / layer)
        for name in imports_of(path)
        if name.split(".")[0] in ("fastapi", "starlette") or name == "shared.http"
    ]
    assert offenders == []


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_service_has_the_template_shape(service):
    root = ROOT / "services" / service
    for part in ("domain", "service_layer", "adapters", "entrypoints", "migrations"):
        assert (root / part).is_dir(), f"{service} has no {part}/"
    module = importlib.import_module(f"services.{service}.bootstrap")
    assert module.NAME == service
    for function in ("load_settings", "migrate", "seed", "bootstrap"):
        assert callable(getattr(module, function)), f"{service}.bootstrap has no {function}()"
    parameters = list(inspect.signature(module.bootstrap).parameters.values())
    assert parameters[0].name == "ctx", "bootstrap(ctx, *, <named ports>) in every service"
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters[1:]), "ports are named"
    handlers = importlib.import_module(f"services.{service}.service_layer.handlers")
    assert isinstance(handlers.COMMAND_HANDLERS, dict) and isinstance(handlers.EVENT_HANDLERS, dict)


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_routes_hand_commands_to_the_bus_and_never_open_a_unit_of_work(service):
    api = ROOT / "services" / service / "entrypoints" / "api.py"
    imported = imports_of(api)
    assert f"services.{service}.service_layer.uow" not in imported


def test_no_service_publishes_an_event_by_hand():
    """Aggregates record events; the unit of work writes them. `uow.publish` is for the bus's own tests."""
    offenders = []
    for path in python_files(ROOT / "services"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "publish":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_a_unit_of_work_saves_through_the_shared_commit(service):
    """Repositories write what changed when `SqlUnitOfWork.commit()` asks them; no service commits its own way."""
    module = importlib.import_module(f"services.{service}.service_layer.uow")
    overrides = [f"{cls.__name__}.{name}" for cls in vars(module).values()
                 if inspect.isclass(cls) and cls.__module__ == module.__name__
                 for name in ("commit", "rollback") if name in vars(cls)]
    assert overrides == []
