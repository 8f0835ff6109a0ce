"""Browser tests of the pages: real headless Chromium (Debian's) against the real embedded process.

`complaints serve all` runs on a temporary SQLite (tests/processes.py) and serves the built pages
(web/dist, rebuilt here by `make web` when the sources changed); Playwright drives /usr/bin/chromium.
A phone-sized screenshot of every citizen page and a desktop one of each staff page are kept in
test-artifacts/screenshots/ to be looked at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.processes import ServedProcess
from tests.system import ApiCalls

REPO = Path(__file__).resolve().parents[2]
WEB_DIST = REPO / "web" / "dist"
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
# What the citizen's phone says it is: WeChat's built-in browser on Android.
WECHAT_UA = ("Mozilla/5.0 (Linux; Android 13; V2203A Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
             "(KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160083 "
             "MMWEBSDK/20231202 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI "
             "Language/zh_CN ABI/arm64")


@pytest.fixture(scope="session")
def built_pages() -> Path:
    """The pages as the sources are now: `make web` rebuilds only when something changed."""
    if shutil.which("make") is None:
        pytest.fail("`make` is needed to build the pages (web/): apt-get install make")
    done = subprocess.run(["make", "--no-print-directory", "web"], cwd=REPO, capture_output=True, text=True,
                          timeout=600)
    if done.returncode != 0:
        pytest.fail("building the pages failed (`make web`: npm ci, npm run build):\n"
                    + (done.stdout + done.stderr)[-4000:])
    assert (WEB_DIST / "index.html").is_file(), "make web did not produce web/dist/index.html"
    return WEB_DIST


@pytest.fixture(scope="session")
def server(built_pages: Path) -> Iterator[ServedProcess]:
    with ServedProcess("all", env={"WEB_DIST": str(built_pages)}) as served:
        yield served


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the Python package `playwright` is missing: pip install -e '.[test]' (make test does it)")
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_instance: Any) -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is needed for the browser tests and {CHROMIUM} is missing: install Debian's "
                    "with `sudo apt-get install chromium fonts-wqy-microhei` (or run `bash "
                    "scripts/ensure-system-deps.sh` as root; `make test` does). Do not run `playwright install`.")
    browser = playwright_instance.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


class Tab:
    """A browser tab on the served pages that records every request leaving the site (none may)."""

    def __init__(self, context: Any, base_url: str) -> None:
        self.context = context
        self.base_url = base_url
        self.outside: list[str] = []
        self.console_errors: list[str] = []
        origin = urlsplit(base_url).netloc

        def guard(route: Any) -> None:
            url = route.request.url
            parts = urlsplit(url)
            if parts.scheme in ("data", "blob") or parts.netloc == origin:
                route.continue_()
            else:
                self.outside.append(url)
                route.abort()

        context.route("**/*", guard)
        self.page = context.new_page()
        self.page.set_default_timeout(15_000)
        self.page.on("console", lambda msg: self.console_errors.append(msg.text) if msg.type == "error" else None)

    def open(self, path: str) -> Any:
        self.page.goto(self.base_url + path)
        return self.page

    def shot(self, name: str, *, full_page: bool = True) -> Path:
        """A picture of the page. A whole page is taken with the window as tall as the page, so what is
        fixed to the bottom of the screen (the citizen's navigation) is drawn at the bottom."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.mouse.move(0, 0)  # no hover effect caught half-way
        self.page.wait_for_timeout(250)
        size = self.page.viewport_size
        if full_page and size:
            height = self.page.evaluate("document.documentElement.scrollHeight")
            self.page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
            self.page.wait_for_timeout(100)
            try:
                self.page.screenshot(path=str(path))
            finally:
                self.page.set_viewport_size(size)
        else:
            self.page.screenshot(path=str(path))
        return path


def _tab(browser: Any, server: ServedProcess, **options: Any) -> Iterator[Tab]:
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **options)
    tab = Tab(context, server.base_url)
    yield tab
    context.close()
    assert tab.outside == [], f"the page tried to load something from outside the site: {tab.outside}"


@pytest.fixture
def phone(browser: Any, server: ServedProcess) -> Iterator[Tab]:
    """A phone (390×844) in WeChat's browser."""
    yield from _tab(browser, server, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2,
                    user_agent=WECHAT_UA)


@pytest.fixture
def desktop(browser: Any, server: ServedProcess) -> Iterator[Tab]:
    yield from _tab(browser, server, viewport=DESKTOP)


class Api(ApiCalls):
    """The HTTP API of the served process, for what the pages do not do (a dispatcher's reply)."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=10)


@pytest.fixture
def api(server: ServedProcess) -> Iterator[Api]:
    client = Api(server.base_url)
    yield client
    client.http.close()
