"""Schema-driven fuzzing of the HTTP API (issue 11, "Fuzzing and bad input").

Schemathesis reads the OpenAPI document the whole system serves (`serve all`: every route of the three
services) and sends every operation generated requests, valid and invalid, in process over ASGI, signed
in as the admin (every role check lets the admin through), so that routes are exercised past sign-in.
Each answer must be no 5xx, of a documented status, of a documented media type and match the documented
schema (errors: `{"error": {"code", "message"}}`, shared/http.py `document_errors`).

Bounded and reproducible: a few examples per operation, derandomized, no example database, no shrinking
(a failure is reported with the request that caused it). One system per database for the whole module:
operations change it as they go, as real callers would. No operation is left out.
"""

from __future__ import annotations

import shutil
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from services import composition
from shared.clock import SHANGHAI, FakeClock
from shared.db import make_engine
from tests.conftest import DATABASES

try:
    import schemathesis
    from schemathesis import checks as st_checks
    from schemathesis.core.failures import FailureGroup
    from schemathesis.generation.modes import GenerationMode
except ImportError as exc:  # a missing dependency fails, saying how to install it
    raise ImportError("schemathesis is needed: .venv/bin/pip install -e '.[test]'") from exc

MAX_EXAMPLES = 8  # per operation, valid and invalid requests drawn together

CHECKS = [
    st_checks.not_a_server_error,
    st_checks.status_code_conformance,
    st_checks.content_type_conformance,
    st_checks.response_schema_conformance,
]

# Signing out ends every session of the user who signs out: that operation is fuzzed with a token of
# another account, so that the admin's token keeps working for every other operation.
SIGN_OUT = "POST /api/v1/auth/logout"
SIGN_OUT_USER = "operator"


@pytest.fixture(scope="module", params=DATABASES)
def fuzzed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The embedded system on a database of its own, shared by every operation of this module."""
    from tests.system import EmbeddedSystem

    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url, drop = f"sqlite:///{path}", None
    else:
        server = request.getfixturevalue("postgres_server")
        name = f"fuzz_{uuid.uuid4().hex[:12]}"
        admin = make_engine(server.url())
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{request.getfixturevalue("postgres_template")}"'))
        url, drop = server.url(name), name
    engine = make_engine(url)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("WECHAT_TOKEN", "fuzzwechattoken")  # the WeChat channel on: its checks are fuzzed too
        system = EmbeddedSystem(engine, FakeClock(datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)))
    for runtime in system.runtimes.values():
        runtime.warm_up()  # as `serve` does before its first request (the classifier's model: seconds)
    system.staff = system.login("admin")
    system.signing_out = system.login(SIGN_OUT_USER)
    yield system
    system.client.close()
    engine.dispose()
    if drop:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{drop}" WITH (FORCE)'))
        admin.dispose()


def label_of(operation: Any) -> str:
    return f"{operation.method.upper()} {operation.path}"


def fuzz_operation(operation: Any, headers: dict[str, str], ran: Counter[str], statuses: Counter[int]) -> None:
    """Valid and invalid requests to one operation; raises the first failing check's report."""
    label = label_of(operation)

    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                          operation.as_strategy(GenerationMode.NEGATIVE)))
    def run(case: Any) -> None:
        ran[label] += 1
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        statuses[response.status_code] += 1

    run()


def test_every_operation_answers_as_documented(fuzzed: Any) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzzed.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    ran: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    failures: dict[str, str] = {}
    for operation in operations:
        label = label_of(operation)
        try:
            fuzz_operation(operation, fuzzed.signing_out if label == SIGN_OUT else fuzzed.staff, ran, statuses)
        except (FailureGroup, Exception) as exc:  # every operation is fuzzed, then every failure reported
            failures[label] = str(exc)
    print(f"fuzzed {len(ran)} operations with {sum(ran.values())} requests; answers by status: "
          f"{dict(sorted(statuses.items()))}")
    assert not failures, "\n\n".join(f"{label}:\n{report}" for label, report in failures.items())
    assert set(ran) == {label_of(operation) for operation in operations}
    assert any(status >= 400 for status in statuses) and any(status < 300 for status in statuses)


def test_each_process_serves_its_operations_with_the_error_contract(fuzzed: Any) -> None:
    """`serve intake|routing|notify` serve the same operations as `serve all` (the one fuzzed), each
    document with the error contract instead of FastAPI's default 422 body."""
    whole = fuzzed.app.openapi()
    url = fuzzed.settings["intake"].database_url
    served: dict[tuple[str, str], dict[str, Any]] = {}
    for name in composition.SERVICE_NAMES:
        settings = {name: composition.load_settings([name])[name].model_copy(update={"database_url": url})}
        process = composition.build_process(name, fuzzed.clock, settings=settings, engines={url: fuzzed.engine},
                                            start_workers=False)
        document = process.app.openapi()
        assert "ErrorBody" in document["components"]["schemas"]
        assert "HTTPValidationError" not in document["components"]["schemas"]
        for path, item in document["paths"].items():
            for method, operation in item.items():
                served[(path, method)] = operation
    ops = {(path, method) for path, item in whole["paths"].items() for method in item}
    probes = {(path, "get") for path in ("/healthz", "/readyz", "/metrics")}  # every process has its own
    assert set(served) - probes == ops - probes
    for (path, method), operation in served.items():
        assert operation == whole["paths"][path][method], f"{method.upper()} {path}"
        if operation.get("security"):
            assert {"401", "403"} <= set(operation["responses"]), f"{method.upper()} {path}"
