"""The compose gateway's nginx configuration run by a real nginx against three stand-in services."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.deploy.manifests import GATEWAY_CONF, SERVICES
from tests.pg import free_port


def stand_in(name: str) -> ThreadingHTTPServer:
    """An HTTP server that answers every request with its service name and the path it got."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            if length:
                self.rfile.read(length)
            body = json.dumps({"service": name, "path": self.path}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer  # noqa: N815 - http.server's naming

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@contextmanager
def running_gateway(root: Path) -> Iterator[str]:
    """nginx with deploy/nginx/gateway.conf as compose mounts it (Docker's DNS and the service names swapped
    for local stand-ins), listening on a free local port; yields its base URL."""
    nginx = shutil.which("nginx") or (shutil.which("nginx", path="/usr/sbin:/usr/local/sbin"))
    if nginx is None:
        pytest.fail("nginx is not installed (make test installs nginx-light)")
    backends = {name: stand_in(name) for name in SERVICES}
    port = free_port()
    conf = GATEWAY_CONF.read_text(encoding="utf-8")
    conf = re.sub(r"^resolver .*$", "", conf, flags=re.M).replace("listen 8080;", f"listen 127.0.0.1:{port};")
    for name, server in backends.items():
        conf = conf.replace(f"{name}:8000;", f"127.0.0.1:{server.server_address[1]};")
    (root / "gateway.conf").write_text(conf)
    temp = "".join(f"{kind}_temp_path {root}/{kind};\n" for kind in
                   ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (root / "nginx.conf").write_text(
        f"error_log {root}/error.log;\npid {root}/nginx.pid;\nevents {{}}\n"
        f"http {{\naccess_log off;\n{temp}include {root}/gateway.conf;\n}}\n")
    process = subprocess.Popen([nginx, "-p", str(root), "-c", str(root / "nginx.conf"), "-g", "daemon off;"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("nginx did not start: " + process.stderr.read().decode())  # type: ignore[union-attr]
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        for server in backends.values():
            server.shutdown()


def request(url: str, method: str = "GET", data: bytes | None = None) -> tuple[int, dict[str, str], str]:
    """(status, headers, body) of one request; no exception for an error status."""
    if data is None and method == "POST":
        data = b"{}"
    req = urllib.request.Request(url, method=method, data=data)
    try:
        with urllib.request.urlopen(req, timeout=5) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def get(url: str, method: str = "GET") -> tuple[int, dict[str, str] | str]:
    status, _, body = request(url, method)
    try:
        return status, json.loads(body)
    except json.JSONDecodeError:
        return status, body
