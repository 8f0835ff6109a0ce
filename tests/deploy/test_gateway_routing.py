"""The compose gateway's nginx configuration, run by a real nginx against three stand-in services.

Skipped where nginx is not installed; the routing table itself is also checked in test_deploy_files.
"""

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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.deploy.manifests import GATEWAY_CONF, SAMPLE_REQUESTS, SERVICES
from tests.pg import free_port


def stand_in(name: str) -> ThreadingHTTPServer:
    """An HTTP server that answers every request with its service name and the path it got."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
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


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    nginx = shutil.which("nginx") or (shutil.which("nginx", path="/usr/sbin:/usr/local/sbin"))
    if nginx is None:
        pytest.fail("nginx is not installed (make test installs nginx-light)")
    backends = {name: stand_in(name) for name in SERVICES}
    port = free_port()
    root: Path = tmp_path_factory.mktemp("gateway")
    # The file as compose mounts it, with Docker's DNS and the service names swapped for local ports.
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


def get(url: str, method: str = "GET") -> tuple[int, dict[str, str] | str]:
    request = urllib.request.Request(url, method=method, data=b"{}" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            body = response.read().decode()
            status = response.status
    except urllib.error.HTTPError as error:
        body, status = error.read().decode(), error.code
    try:
        return status, json.loads(body)
    except json.JSONDecodeError:
        return status, body


@pytest.mark.parametrize(("path", "service"), SAMPLE_REQUESTS)
def test_gateway_forwards_each_path_unchanged_to_its_owner(gateway: str, path: str, service: str | None) -> None:
    status, body = get(gateway + path + "?page=2", method="POST" if path.endswith("accept") else "GET")
    if service is None:
        assert status == 404 and body["error"]["code"] == "not_found"  # type: ignore[index]
    else:
        assert status == 200 and body == {"service": service, "path": path + "?page=2"}


def test_gateway_answers_its_own_liveness_check(gateway: str) -> None:
    assert get(gateway + "/healthz") == (200, "ok\n")
