"""deploy/postgres/init.sql on a real PostgreSQL: one database and login role per service, nothing shared."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator

import pytest

from tests.deploy.manifests import INIT_SQL, SERVICES
from tests.pg import PostgresServer, _pg_bin

PASSWORDS = {f"{name.upper()}_DB_PASSWORD": f"{name}-test-password-0123" for name in SERVICES}


def _psql() -> str:
    try:
        psql = _pg_bin("psql")
    except RuntimeError:
        pytest.fail("PostgreSQL client not installed (make test installs it)")
    version = subprocess.run([psql, "--version"], capture_output=True, text=True, check=True).stdout
    if int(re.search(r"(\d+)\.", version).group(1)) < 15:  # type: ignore[union-attr]
        pytest.fail("init.sql needs psql 15+ (\\getenv), as in the postgres:16 image")
    return psql


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresServer]:
    _psql()
    pg = PostgresServer().start()
    yield pg
    pg.stop()


def psql(server: PostgresServer, *args: str, user: str = "postgres", database: str = "postgres",
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    argv = [_psql(), "-h", "127.0.0.1", "-p", str(server.port), "-U", user, "-d", database,
            "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "-At", *args]
    environment = {k: v for k, v in os.environ.items() if not k.endswith("_DB_PASSWORD")}
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, env=environment | (env or {}))


def run_init(server: PostgresServer, passwords: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return psql(server, "-f", str(INIT_SQL), env=passwords)


def test_init_refuses_to_run_without_a_password_for_every_service(server: PostgresServer) -> None:
    catalog = "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles UNION ALL " \
              "SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database"
    before = psql(server, "-c", catalog).stdout
    partial = dict(PASSWORDS)
    del partial["NOTIFY_DB_PASSWORD"]
    done = run_init(server, partial)
    assert done.returncode != 0 and "NOTIFY_DB_PASSWORD must be set" in done.stderr
    assert psql(server, "-c", catalog).stdout == before, "nothing is created when a password is missing"
    short = run_init(server, PASSWORDS | {"ROUTING_DB_PASSWORD": "short"})
    assert short.returncode != 0 and "ROUTING_DB_PASSWORD must be set" in short.stderr


def test_init_creates_a_database_owned_by_each_service_role_and_can_run_again(server: PostgresServer) -> None:
    first = run_init(server, PASSWORDS)
    assert first.returncode == 0, first.stderr
    again = run_init(server, PASSWORDS)
    assert again.returncode == 0, again.stderr
    owners = psql(server, "-c", "SELECT datname || '=' || pg_get_userbyid(datdba) FROM pg_database").stdout.split()
    assert {f"{name}={name}" for name in SERVICES} <= set(owners)
    encodings = psql(server, "-c", "SELECT DISTINCT pg_encoding_to_char(encoding) FROM pg_database "
                                   "WHERE datname IN ('intake', 'routing', 'notify')").stdout.split()
    assert encodings == ["UTF8"]


def test_a_service_role_can_build_its_own_tables_but_not_enter_another_database(server: PostgresServer) -> None:
    assert run_init(server, PASSWORDS).returncode == 0
    for name in SERVICES:
        own = psql(server, "-c", "CREATE TABLE probe (id int); DROP TABLE probe;", user=name, database=name)
        assert own.returncode == 0, own.stderr
        for other in set(SERVICES) - {name}:
            denied = psql(server, "-c", "SELECT 1", user=name, database=other)
            assert denied.returncode != 0 and "permission denied" in denied.stderr, (name, other)


def test_service_roles_have_the_passwords_from_the_environment(server: PostgresServer) -> None:
    assert run_init(server, PASSWORDS).returncode == 0
    rows = psql(server, "-c", "SELECT rolname, rolcanlogin, rolsuper, rolcreatedb, rolpassword IS NOT NULL "
                              "FROM pg_authid WHERE rolname IN ('intake', 'routing', 'notify')").stdout.split()
    assert sorted(rows) == sorted(f"{name}|t|f|f|t" for name in SERVICES)
