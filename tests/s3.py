"""moto's S3 server on a free loopback port: the object store of the tansu broker's `s3` storage and of
intake's S3 attachment store (ATTACHMENT_STORE=s3) in tests."""

from __future__ import annotations

import logging
from typing import Any

from tests.pg import free_port, wait_for_port


class MotoS3:
    """moto's S3 server on a free loopback port, with the broker's bucket created."""

    def __init__(self, bucket: str = "tansu") -> None:
        self.bucket = bucket
        self.port = free_port()
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

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_ENDPOINT": self.endpoint, "AWS_ALLOW_HTTP": "true"}

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
