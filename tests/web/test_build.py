"""What goes into the bundles: the demo call-centre key only in the demo build, never in production's."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.web.conftest import REPO


def _bundle_text(dist: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in (dist / "assets").glob("*.js"))


def test_only_the_demo_build_carries_the_demo_key(built_pages: Path, tmp_path: Path) -> None:
    assert "demo-key" in _bundle_text(built_pages)  # `npm run build`: the embedded demo (make run)

    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is needed to build the pages: install Node.js 20.19+ with npm")
    out = tmp_path / "dist"
    done = subprocess.run([npm, "run", "build:production", "--", "--outDir", str(out), "--emptyOutDir"],
                          cwd=REPO / "web", capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    production = _bundle_text(out)
    assert "demo-key" not in production
    assert "本页未配置呼叫中心密钥" in production  # the page explains who saves calls in production


def test_the_citizen_pages_do_not_load_element_plus(built_pages: Path) -> None:
    """Each audience is its own chunk: the phone downloads Vue, the shared client and Vant only."""
    assets = {p.name.split("-")[0]: p for p in (built_pages / "assets").glob("*.js")}
    assert {"index", "vue", "citizen", "staff"} <= set(assets), sorted(assets)
    static_import_of_staff = re.compile(r"""(?:from|import)\s*["'`]\./staff-""")  # not `import(...)`: lazy
    for name in ("index", "vue", "citizen"):
        text = assets[name].read_text()
        assert not static_import_of_staff.search(text), f"{name} imports the staff chunk"
        assert "ElConfigProvider" not in text and "el-button" not in text, f"{name} carries Element Plus"
    index = (built_pages / "index.html").read_text()
    assert "citizen-" not in index and "staff-" not in index  # loaded by the route that needs it
