"""S3 on loopback for tests: moto's server for intake's S3 attachment store (ATTACHMENT_STORE=s3), and our own
fast fake (services/fakes/object_store.py, `ObjectStoreProcess`) for the tansu broker's `s3` storage."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.pg import free_port, wait_for_port

REPO = Path(__file__).resolve().parents[1]


class LoopbackS3:
    """An S3-compatible server on a free loopback port: its endpoint, and the environment a client (the broker,
    boto3) reads its address and test credentials from."""

    def __init__(self, bucket: str = "tansu") -> None:
        self.bucket = bucket
        self.port = free_port()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_ENDPOINT": self.endpoint, "AWS_ALLOW_HTTP": "true"}


class MotoS3(LoopbackS3):
    """moto's S3 server, with the bucket created."""

    def __init__(self, bucket: str = "tansu") -> None:
        super().__init__(bucket)
        self._server: Any = None

    def start(self) -> MotoS3:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per S3 request otherwise
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        if not wait_for_port(self.port):
            raise RuntimeError("moto S3 server did not start")
        import boto3  # type: ignore[import-untyped]

        s3 = boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")
        s3.create_bucket(Bucket=self.bucket)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None


class ObjectStoreProcess(LoopbackS3):
    """Our S3-compatible fake (services/fakes/object_store.py) in a process of its own: the broker's durable
    storage. A few thousand requests a second where moto serves the broker a few dozen under load; it lives as
    long as the test broker's data must (a broker restart keeps it)."""

    def __init__(self, bucket: str = "tansu") -> None:
        super().__init__(bucket)
        self._server: subprocess.Popen[bytes] | None = None

    def start(self) -> ObjectStoreProcess:
        self._server = subprocess.Popen(
            [sys.executable, "-m", "services.fakes.object_store", "--port", str(self.port), "--bucket", self.bucket],
            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_for_port(self.port):
            self.stop()
            raise RuntimeError("the fake object store did not start")
        return self

    @property
    def running(self) -> bool:
        return self._server is not None and self._server.poll() is None

    def stop(self) -> None:
        if self._server is not None:
            self._server.kill()
            self._server.wait()
            self._server = None
