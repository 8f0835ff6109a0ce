"""Start and stop a real `complaints serve ...` process (tests and benchmarks)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from tests.pg import free_port


@contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """An ASGI app on a free loopback port, served by uvicorn in a thread of this process (lifespan off,
    as TestClient leaves it); yields its base URL, and stops it on leaving."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class ServedProcess:
    def __init__(self, target: str = "all", env: dict[str, str] | None = None, migrate: bool = True) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="complaints-bench-"))
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DEMO_MODE": "true",
            "DATABASE_URL": f"sqlite:///{self.dir}/bench.db",
            "ATTACHMENT_DIR": str(self.dir / "attachments"),
            "PORT": str(self.port),
            "LOG_LEVEL": "WARNING",
            **(env or {}),
        }
        self.target = target
        self.migrate = migrate
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """The server's process while it runs (benchmarks read its CPU time)."""
        return self.proc.pid if self.proc is not None and self.proc.poll() is None else None

    def __enter__(self) -> ServedProcess:
        cmd = [sys.executable, "-m", "services.cli", "serve", self.target] + (["--migrate"] if self.migrate else [])
        self.proc = subprocess.Popen(cmd, env=self.env, stdout=subprocess.DEVNULL,
                                     stderr=open(self.dir / "stderr.log", "ab"))
        # Start-up trains nothing heavy, but a loaded 2-core CI machine can take a while to get there.
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        exited = "" if self.proc.poll() is None else f" (exited with {self.proc.returncode})"
        raise RuntimeError(f"server did not start{exited}: " + (self.dir / "stderr.log").read_text()[-2000:])

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self, timeout: float = 20) -> int | None:
        """Ctrl-C, as a person would; returns the exit code (None if it had to be killed)."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None

    def log(self) -> str:
        return (self.dir / "stderr.log").read_text(errors="replace")
