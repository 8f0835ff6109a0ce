"""Where a server process spends its CPU under load: py-spy samples, summed by area and by our own functions.

Used by `python -m bench.ceiling --profile` (and usable alone: `python -m bench.profile FILE.raw` summarises a
`py-spy record --format raw` file). py-spy samples the process from outside at a fixed rate, only the thread
that holds the GIL (`--gil`: the Python work that binds one process to one core; a thread waiting on a lock
or a socket is not counted), so the figures are shares of that work, at little cost to the process.

Two views of the same samples:
- **self**: the library (or our code) of the innermost frame, i.e. what the CPU was running at that moment;
- **ours, inclusive**: for each sample, the innermost function of our own code (services/, shared/) that was on
  the stack; so a share here is that function with everything it called in libraries.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^():]*)(?::\d+)?\)$")
# The innermost frame's file → an area (first match wins); anything else is shown by its top folder.
AREAS = (
    ("ours (services/, shared/)", ("services/", "shared/")),
    ("sqlalchemy / sqlmodel", ("sqlalchemy/", "sqlmodel/")),
    ("database driver", ("sqlite3/", "psycopg/", "psycopg_pool/")),
    ("pydantic", ("pydantic/", "pydantic_core/")),
    ("fastapi / starlette", ("fastapi/", "starlette/")),
    ("uvicorn, event loop", ("uvicorn/", "asyncio/", "uvloop/", "httptools/", "anyio/", "selectors.py")),
    ("json", ("json/", "orjson")),
    ("cryptography", ("cryptography/",)),
    ("threads, locks, queues", ("threading.py", "queue.py", "concurrent/")),
)


@dataclass(frozen=True)
class Summary:
    samples: int
    areas: list[tuple[str, float]]  # (area, share of samples), largest first
    ours: list[tuple[str, float]]  # (module:function, inclusive share), largest first

    def lines(self, top: int = 12) -> list[str]:
        if not self.samples:
            return ["    (no samples: the process did not run while it was recorded)"]
        out = [f"    {self.samples} samples; by the innermost frame (what the CPU ran):"]
        out += [f"      {share:6.1%}  {area}" for area, share in self.areas[:top]]
        out.append("    our functions, with what they called (innermost of ours on the stack):")
        out += [f"      {share:6.1%}  {name}" for name, share in self.ours[:top]]
        return out


def _area(file: str) -> str:
    for area, marks in AREAS:
        if any(mark in file for mark in marks):
            return area
    return file.split("/", 1)[0] if "/" in file else file or "?"


def summarise(raw: str) -> Summary:
    """A `py-spy record --format raw` text: one line per distinct stack, `frame;frame;... count`."""
    total, areas, ours = 0, Counter[str](), Counter[str]()
    for line in raw.splitlines():
        stack, _, count = line.rstrip().rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [m for m in (_FRAME.match(f) for f in stack.split(";")) if m]
        if not frames:
            continue
        areas[_area(frames[-1]["file"])] += n
        own = next((m for m in reversed(frames) if m["file"].startswith(("services/", "shared/"))
                    and m["file"] != "services/cli.py"), None)  # (the command that started the server: all of it)
        if own is not None:
            module = own["file"].removesuffix(".py").replace("/", ".")
            ours[f"{module}:{own['function']}"] += n
    shares = lambda counter: [(key, value / total) for key, value in counter.most_common()]  # noqa: E731
    return Summary(total, shares(areas) if total else [], shares(ours) if total else [])


def start(pid: int, seconds: float, out: Path, *, rate: int = 100) -> subprocess.Popen[bytes] | str:
    """py-spy recording `pid` for `seconds` into `out` (raw format), or why it cannot (a sentence)."""
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if spy is None:
        return "py-spy is not installed (pip install py-spy; it is in the test extras)"
    out.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([spy, "record", "--pid", str(pid), "--duration", str(max(1, round(seconds))),
                             "--rate", str(rate), "--format", "raw", "--gil", "--nonblocking", "--output", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def finish(recording: subprocess.Popen[bytes] | str, out: Path, timeout: float = 60) -> Summary | str:
    """The summary of a recording started by `start`, or why there is none (a sentence)."""
    if isinstance(recording, str):
        return recording
    try:
        _, err = recording.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        recording.kill()
        return "py-spy did not finish"
    if recording.returncode != 0 or not out.exists():
        reason = err.decode(errors="replace").strip().splitlines()
        return f"py-spy failed: {reason[-1] if reason else recording.returncode} (it needs ptrace on the process)"
    return summarise(out.read_text(encoding="utf-8", errors="replace"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.split("\n")[0])
    parser.add_argument("raw", type=Path, help="a `py-spy record --format raw` file")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args(argv)
    print("\n".join(summarise(args.raw.read_text(encoding="utf-8", errors="replace")).lines(args.top)))


if __name__ == "__main__":
    main()
