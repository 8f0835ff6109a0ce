"""`combine` and `mount` add routes as they were built: each router carries its full prefix and tags."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from shared.http import combine, mount


def _router(prefix: str, tag: str) -> APIRouter:
    router = APIRouter(prefix=prefix, tags=["svc", tag])

    @router.get("/things/{thing_id}")
    def thing(thing_id: int) -> dict[str, int]:
        return {"thing": thing_id}

    return router


def test_combined_routers_keep_their_paths_tags_and_validation():
    app = FastAPI()
    mount(app, combine(_router("/api/v1/a", "a"), _router("/api/v1/b", "b")))
    client = TestClient(app)
    assert client.get("/api/v1/a/things/3").json() == {"thing": 3}
    assert client.get("/api/v1/b/things/4").json() == {"thing": 4}
    assert client.get("/api/v1/b/things/four").status_code == 422
    assert client.get("/things/3").status_code == 404
    operations = app.openapi()["paths"]
    assert sorted(operations) == ["/api/v1/a/things/{thing_id}", "/api/v1/b/things/{thing_id}"]
    assert operations["/api/v1/a/things/{thing_id}"]["get"]["tags"] == ["svc", "a"]


def test_a_parent_with_a_prefix_of_its_own_is_refused():
    """Its prefix would not reach the mounted routes (include_router's would): say so at start-up."""
    with pytest.raises(ValueError, match="no prefix, tags"):
        mount(APIRouter(prefix="/api/v1"), _router("/things", "a"))
    with pytest.raises(ValueError, match="no prefix, tags"):
        mount(APIRouter(tags=["x"]), _router("/api/v1", "a"))
