"""The API process serves the built pages without shadowing anything else, and nothing comes from outside."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from services.app import PAGE_PATHS, RESERVED_PREFIXES
from tests.processes import ServedProcess

PAGES = ["/", "/track", "/r/Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4", "/hotline", "/patrol", "/desk", "/dashboard",
         "/callbacks", "/public", "/inspections", "/public/inspections"]
# Hosts of the public CDNs a front end might reach for; none may appear anywhere in the build.
CDN = re.compile(r"(jsdelivr|unpkg|cdnjs|alicdn|bootcdn|staticfile|googleapis|gstatic|cloudflare|bdstatic)\.",
                 re.IGNORECASE)


def test_page_paths_do_not_shadow_the_api() -> None:
    for path in PAGE_PATHS:
        assert not path.startswith(RESERVED_PREFIXES) or path == "/", path


@pytest.mark.parametrize("path", PAGES)
def test_each_page_path_answers_with_the_app_not_cached(server: ServedProcess, path: str) -> None:
    answer = httpx.get(server.base_url + path)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["cache-control"] == "no-cache"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert '<div id="app"></div>' in answer.text


def test_hashed_assets_are_cached_for_long(server: ServedProcess, built_pages: Path) -> None:
    assets = sorted((built_pages / "assets").iterdir())
    assert any(a.suffix == ".js" for a in assets) and any(a.suffix == ".css" for a in assets)
    for asset in assets:
        answer = httpx.get(f"{server.base_url}/assets/{asset.name}")
        assert answer.status_code == 200, asset.name
        assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert httpx.get(f"{server.base_url}/assets/no-such-file.js").status_code == 404


@pytest.mark.parametrize("path,kind", [
    ("/healthz", "application/json"), ("/readyz", "application/json"), ("/metrics", "text/plain"),
    ("/openapi.json", "application/json"), ("/api/v1/reference", "application/json"),
    ("/api/v1/no-such-thing", "application/json"), ("/open311/v2/services.json", "application/json"),
    ("/docs", "text/html"), ("/api/v1/callbacks", "application/json"), ("/api/v1/public/monthly", "application/json"),
])
def test_the_api_and_probes_are_not_shadowed(server: ServedProcess, path: str, kind: str) -> None:
    answer = httpx.get(server.base_url + path)
    assert answer.headers["content-type"].startswith(kind), (path, answer.headers["content-type"])
    assert '<div id="app"></div>' not in answer.text, path


def test_an_unknown_path_is_not_the_app(server: ServedProcess) -> None:
    answer = httpx.get(server.base_url + "/no/such/page")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "srcset", "poster", "data") and value:
                self.refs.append(value)


def _is_local(ref: str) -> bool:
    parts = urlsplit(ref)
    return parts.scheme in ("", "data") and not parts.netloc and not ref.startswith("//")


def test_no_page_references_an_external_url(built_pages: Path) -> None:
    """No CDN: every src/href of the HTML is relative or same-origin, and no stylesheet or script of the
    build loads anything from another site (government intranets have no internet)."""
    parser = _Refs()
    parser.feed((built_pages / "index.html").read_text())
    assert parser.refs, "index.html references no assets?"
    assert [r for r in parser.refs if not _is_local(r)] == []

    for file in sorted(built_pages.rglob("*")):
        if file.suffix not in (".js", ".css", ".html", ".svg"):
            continue
        text = file.read_text(errors="replace")
        assert not CDN.search(text), f"{file.name} names a CDN: {CDN.search(text)}"
        if file.suffix == ".css":
            urls = re.findall(r"url\(\s*['\"]?([^'\")]+)", text)
            assert [u for u in urls if not _is_local(u)] == [], f"{file.name} loads from outside"
        if file.suffix == ".js":
            # dynamic imports and preloads are the build's own files
            imports = re.findall(r"""import\(\s*["'`]([^"'`]+)""", text)
            assert [i for i in imports if not _is_local(i)] == [], f"{file.name} imports from outside"
