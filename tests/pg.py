"""A throw-away PostgreSQL server for the test session (Debian's package), on 127.0.0.1."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def _pg_bin(name: str) -> str:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if candidates:
        return candidates[0]
    found = shutil.which(name)
    if found:
        return found
    raise RuntimeError(f"PostgreSQL's {name} not found: install Debian's postgresql package (make test does)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    # The test server trades durability for speed; bench.ceiling serves with PostgreSQL's own defaults.
    SERVER_OPTIONS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="complaints-pg-"))
        self.port = free_port()
        self.user = "postgres"
        self._run_as: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root: run the server as an unprivileged user
            shutil.chown(self.dir, "nobody")
            self._run_as = ["runuser", "-u", "nobody", "--"]

    def start(self) -> PostgresServer:
        data = self.dir / "data"
        subprocess.run([*self._run_as, _pg_bin("initdb"), "-D", str(data), "-U", self.user, "-A", "trust",
                        "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"], check=True, capture_output=True)
        subprocess.run([*self._run_as, _pg_bin("pg_ctl"), "-D", str(data), "-l", str(self.dir / "log"), "-w",
                        "-o", f"-h 127.0.0.1 -p {self.port} -k {self.dir} {self.SERVER_OPTIONS}",
                        "start"], check=True, capture_output=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("PostgreSQL did not start: " + (self.dir / "log").read_text())

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def postmaster_pid(self) -> int:
        """The server's main process (benchmarks read its CPU time, with its backends')."""
        return int((self.dir / "data" / "postmaster.pid").read_text().split()[0])

    def stop(self) -> None:
        subprocess.run([*self._run_as, _pg_bin("pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def wait_for_port(port: int, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False
