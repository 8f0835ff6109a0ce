"""The compose gateway's nginx configuration, run by a real nginx against three stand-in services
(tests/deploy/live.py); the routing table itself is also checked in test_deploy_files."""

from __future__ import annotations

import pytest

from tests.deploy.live import get
from tests.deploy.manifests import SAMPLE_REQUESTS


@pytest.mark.parametrize(("path", "service"), SAMPLE_REQUESTS)
def test_gateway_forwards_each_path_unchanged_to_its_owner(gateway: str, path: str, service: str | None) -> None:
    status, body = get(gateway + path + "?page=2", method="POST" if path.endswith("accept") else "GET")
    if service is None:
        assert status == 404 and body["error"]["code"] == "not_found"  # type: ignore[index]
    else:
        assert status == 200 and body == {"service": service, "path": path + "?page=2"}


def test_gateway_answers_its_own_liveness_check(gateway: str) -> None:
    assert get(gateway + "/healthz") == (200, "ok\n")
