"""7. Security headers on API and page answers, no server banner, /docs and /metrics configurable."""

from __future__ import annotations

from types import SimpleNamespace

from services import cli, composition
from tests.system import EmbeddedSystem

INDEX = ('<!doctype html><html><head><script type="module" crossorigin src="/assets/index-abc.js"></script>'
         '</head><body><div id="app"></div></body></html>')


def directives(policy: str) -> dict[str, str]:
    return {part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2] for part in policy.split(";")}


def test_an_api_answer_carries_the_security_headers_and_may_be_neither_framed_nor_a_document(system):
    answer = system.client.get("/api/v1/reference")
    assert answer.status_code == 200
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    policy = directives(answer.headers["Content-Security-Policy"])
    assert policy["default-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    refused = system.client.get("/api/v1/triage")  # errors too
    assert refused.status_code == 401 and refused.headers["X-Frame-Options"] == "DENY"


def test_a_page_answer_allows_scripts_only_from_its_own_origin(engine, clock, monkeypatch, tmp_path):
    (tmp_path / "index.html").write_text(INDEX, encoding="utf-8")
    monkeypatch.setenv("WEB_DIST", str(tmp_path))
    system = EmbeddedSystem(engine, clock)
    page = system.client.get("/track")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = directives(page.headers["Content-Security-Policy"])
    assert policy["script-src"] == "'self'" and "unsafe" not in policy["script-src"]
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_docs_and_metrics_are_served_by_default_and_not_when_turned_off(engine, clock, monkeypatch):
    served = EmbeddedSystem(engine, clock)
    assert [served.client.get(p).status_code for p in ("/docs", "/openapi.json", "/metrics")] == [200, 200, 200]
    monkeypatch.setenv("EXPOSE_DOCS", "false")
    monkeypatch.setenv("EXPOSE_METRICS", "false")
    hidden = EmbeddedSystem(engine, clock)
    assert [hidden.client.get(p).status_code for p in ("/docs", "/redoc", "/openapi.json", "/metrics")] == [404] * 4
    assert hidden.client.get("/healthz").status_code == 200


def test_serve_runs_uvicorn_without_its_server_banner(monkeypatch):
    ran: dict[str, object] = {}
    settings = composition.load_settings(("routing",))["routing"]
    process = SimpleNamespace(first=settings, app=object(), migrate_and_seed=lambda: None)
    monkeypatch.setattr(composition, "build_process", lambda target: process)
    monkeypatch.setattr("uvicorn.run", lambda app, **options: ran.update(options))
    monkeypatch.setattr(cli.structured_logging, "configure", lambda *args: None)
    assert cli.main(["serve", "routing"]) == 0
    assert ran["server_header"] is False
