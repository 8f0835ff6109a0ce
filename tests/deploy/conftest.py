"""A real nginx with the compose gateway's configuration, one per test module that asks for it (its rate
limits count per nginx: a module that exhausts them does not disturb another)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.deploy.live import running_gateway


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_gateway(tmp_path_factory.mktemp("gateway")) as url:
        yield url
