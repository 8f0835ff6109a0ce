"""Fixtures of the distributed suite: each service in its own `complaints serve <service>` process, on its
own PostgreSQL database, talking only through a Kafka-protocol broker (tansu) — the production shape.

- A fresh broker per test (it starts in well under a second): no topic or group is shared between tests,
  so no topic prefix is needed and the services run with their production topic names.
- Three databases per test (intake, routing, notify), copies of the session's migrated template.
- `DistributedSystem` starts and stops service processes, reads topics, logs in, runs the CLI.

Everything listens on 127.0.0.1; every wait is a poll with a deadline.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from shared.db import make_engine
from tests.kafka_broker import TEST_GROUP_TIMINGS, TansuBroker, require_tansu
from tests.pg import PostgresServer
from tests.processes import ServedProcess
from tests.waiting import wait_for

with warnings.catch_warnings():  # kafka-python 3.0 reads its protocol schemas with a deprecated API
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition  # type: ignore[import-untyped]

SERVICES = ("intake", "routing", "notify")
PARTITIONS = 4
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Texts the classifier routes to a department, and one that needs a person (triage).
ROUTED = [
    ("合阳城街道某工地凌晨两点还在打桩，噪音太大", "合阳城街道"),  # housing_construction
    ("小区楼下烧烤店油烟很大，熏得没法开窗", "南津街街道"),  # urban_management
    ("太和镇养猪场臭味很重，熏得人头晕", "太和镇"),  # agriculture_rural
    ("广场舞音响声音太大，晚上十点还在跳", "钓鱼城街道"),  # urban_management
    ("太和镇有工厂往河里排污水，河水发黑发臭", "太和镇"),  # ecology_env
]
UNCLEAR = ("请领导重视一下我们这里的问题", None)

ASSIGNED = "hechuan.complaints.case.assigned.v1"
TRIAGED = "hechuan.complaints.case.triaged.v1"


def complaint_body(i: int) -> dict[str, Any]:
    """Complaint i: five of every six go to a department, the sixth to triage (a person routes it)."""
    content, town = (ROUTED + [UNCLEAR])[i % (len(ROUTED) + 1)]
    body: dict[str, Any] = {"channel": "web", "content": f"{content}（第{i}次反映）"}
    if town:
        body["town"] = town
    return body


def assignments(log: str, consumer: str = "consumer:routing") -> list[set[tuple[str, int]]]:
    """Every partition assignment a process logged for `consumer`, oldest first (needs LOG_LEVEL=INFO)."""
    found = []
    prefix = f"{consumer} assigned "
    for line in log.splitlines():
        try:
            msg = json.loads(line).get("msg", "")
        except (ValueError, AttributeError):
            continue
        if msg.startswith(prefix):
            found.append({(t, p) for t, p in ast.literal_eval(msg.removeprefix(prefix))})
    return found


class DistributedSystem:
    def __init__(self, broker: TansuBroker, databases: dict[str, str]) -> None:
        self.broker = broker
        self.databases = databases
        self.processes: dict[str, list[ServedProcess]] = {name: [] for name in SERVICES}
        self._engines: dict[str, Engine] = {}
        self._clients: list[httpx.Client] = []

    # --- processes --------------------------------------------------------------------------------

    def env(self, service: str, **extra: str) -> dict[str, str]:
        return {
            "DEMO_MODE": "true",
            "EVENT_BUS": "kafka",
            "DATABASE_URL": self.databases[service],
            "KAFKA_BOOTSTRAP_SERVERS": self.broker.bootstrap,
            "KAFKA_SESSION_TIMEOUT_MS": str(TEST_GROUP_TIMINGS["session_timeout_ms"]),
            "KAFKA_HEARTBEAT_INTERVAL_MS": str(TEST_GROUP_TIMINGS["heartbeat_interval_ms"]),
            "KAFKA_FETCH_MAX_WAIT_MS": str(TEST_GROUP_TIMINGS["fetch_max_wait_ms"]),
            "KAFKA_TOPIC_PARTITIONS": str(PARTITIONS),
            "LOG_LEVEL": "INFO",
            "LOG_JSON": "true",
            **extra,
        }

    def start(self, *services: str, **extra_env: str) -> list[ServedProcess]:
        """Start one process per name given (in parallel), each waited for until /readyz answers 200."""
        procs = [ServedProcess(name, self.env(name, **extra_env), migrate=True) for name in services]
        for name, proc in zip(services, procs, strict=True):
            self.processes[name].append(proc)  # registered first: stopped at teardown even if start fails
        with ThreadPoolExecutor(len(procs)) as pool:
            list(pool.map(lambda p: p.__enter__(), procs))
        return procs

    def url(self, service: str) -> str:
        alive = [p for p in self.processes[service] if p.proc is not None and p.proc.poll() is None]
        assert alive, f"no {service} process is running"
        return alive[0].base_url

    def client(self, service: str, **kwargs: Any) -> httpx.Client:
        client = httpx.Client(base_url=self.url(service), timeout=30, **kwargs)
        self._clients.append(client)
        return client

    def login(self, username: str) -> dict[str, str]:
        """A bearer token from intake (it owns the accounts); the other services verify it."""
        response = httpx.post(f"{self.url('intake')}/api/v1/auth/token",
                              data={"username": username, "password": "demo"}, timeout=30)
        response.raise_for_status()
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def cli(self, service: str, *args: str, timeout: float = 60,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """`complaints <args>` with the environment of `service`'s processes (plus `env`)."""
        env = {**os.environ, **self.env(service, LOG_LEVEL="WARNING"), **(env or {})}
        return subprocess.run([sys.executable, "-m", "services.cli", *args], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout)

    def logs(self) -> str:
        parts = []
        for name, procs in self.processes.items():
            for i, proc in enumerate(procs):
                parts.append(f"----- {name}[{i}] (pid {proc.proc.pid if proc.proc else '-'}) -----\n"
                             + "\n".join(proc.log().splitlines()[-40:]))
        return "\n".join(parts)

    # --- databases --------------------------------------------------------------------------------

    def engine(self, service: str) -> Engine:
        if service not in self._engines:
            self._engines[service] = make_engine(self.databases[service])
        return self._engines[service]

    def scalar(self, service: str, sql: str, **params: Any) -> Any:
        with self.engine(service).connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def rows(self, service: str, sql: str, **params: Any) -> list[Any]:
        with self.engine(service).connect() as conn:
            return list(conn.execute(text(sql), params).all())

    def unsent(self, service: str) -> int:
        return self.scalar(service, "SELECT count(*) FROM event_outbox WHERE published_at IS NULL")

    # --- Kafka ------------------------------------------------------------------------------------

    def reader(self) -> KafkaConsumer:
        return KafkaConsumer(bootstrap_servers=self.broker.bootstrap, group_id=None, enable_auto_commit=False,
                             fetch_max_wait_ms=50, client_id="distributed-tests")

    def read_topic(self, topic: str, *, until: Callable[[list[Any]], bool] | None = None,
                   timeout: float = 30) -> list[Any]:
        """Every record of `topic` from the beginning: to the high watermark of every partition (and,
        with `until`, polled further until it holds)."""
        reader = self.reader()
        try:
            partitions = wait_for(lambda: reader.partitions_for_topic(topic), 10, f"metadata of {topic}")
            tps = [TopicPartition(topic, p) for p in sorted(partitions)]
            reader.assign(tps)
            reader.seek_to_beginning(*tps)
            records: list[Any] = []
            deadline = time.monotonic() + timeout
            while True:
                for batch in reader.poll(timeout_ms=200).values():
                    records.extend(batch)
                at_end = all(reader.highwater(tp) is not None and reader.position(tp) >= reader.highwater(tp)
                             for tp in tps)
                if at_end and (until is None or until(records)):
                    return records
                if time.monotonic() > deadline:
                    where = {tp.partition: (reader.position(tp), reader.highwater(tp)) for tp in tps}
                    pytest.fail(f"{topic}: not read to the end in {timeout:.0f}s ({len(records)} records; "
                                f"partition: (position, high watermark) {where})")
        finally:
            reader.close()

    def producer(self) -> KafkaProducer:
        return KafkaProducer(bootstrap_servers=self.broker.bootstrap, acks="all", client_id="distributed-tests")

    # --- teardown ---------------------------------------------------------------------------------

    def close(self, *, keep_logs: bool = False) -> None:
        for client in self._clients:
            client.close()
        procs = [p for ps in self.processes.values() for p in ps]
        with ThreadPoolExecutor(max(1, len(procs))) as pool:
            list(pool.map(lambda p: p.stop(), procs))
        for engine in self._engines.values():
            engine.dispose()
        if not keep_logs:
            for proc in procs:
                shutil.rmtree(proc.dir, ignore_errors=True)


def event_of(record: Any) -> dict[str, Any]:
    return json.loads(record.value)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def service_databases(postgres_server: PostgresServer, postgres_template: str) -> Iterator[dict[str, str]]:
    """Three databases of this test's own (intake, routing, notify), copies of the migrated template."""
    stem = f"d_{uuid.uuid4().hex[:10]}"
    names = {service: f"{stem}_{service}" for service in SERVICES}
    admin = make_engine(postgres_server.url())
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for name in names.values():
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"'))
    yield {service: postgres_server.url(name) for service, name in names.items()}
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for name in names.values():
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _broker(storage: str) -> Iterator[TansuBroker]:
    require_tansu()
    broker = TansuBroker(storage).start()
    yield broker
    broker.close()


@pytest.fixture
def memory_broker() -> Iterator[TansuBroker]:
    """A broker of this test's own, in memory (fast; loses everything when stopped)."""
    yield from _broker("memory")


@pytest.fixture
def s3_broker() -> Iterator[TansuBroker]:
    """A broker keeping its data in a moto S3 server: `restart()` keeps topics, messages and offsets."""
    yield from _broker("s3")


def _system(request: pytest.FixtureRequest, broker: TansuBroker,
            databases: dict[str, str]) -> Iterator[DistributedSystem]:
    system = DistributedSystem(broker, databases)
    try:
        yield system
    finally:
        failed = any(getattr(getattr(request.node, f"rep_{when}", None), "failed", False)
                     for when in ("setup", "call"))
        if failed:
            print(system.logs())
            print("----- broker -----\n" + broker.log_tail())
        system.close()


@pytest.fixture
def distributed(request: pytest.FixtureRequest, memory_broker: TansuBroker,
                service_databases: dict[str, str]) -> Iterator[DistributedSystem]:
    """No process runs yet: the test starts what it needs (`distributed.start("intake", ...)`)."""
    yield from _system(request, memory_broker, service_databases)


@pytest.fixture
def distributed_s3(request: pytest.FixtureRequest, s3_broker: TansuBroker,
                   service_databases: dict[str, str]) -> Iterator[DistributedSystem]:
    yield from _system(request, s3_broker, service_databases)
