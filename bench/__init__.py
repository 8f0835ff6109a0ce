"""Benchmarks: `make bench` prints figures. Tests assert behaviour, never speed."""

import warnings

# Starlette's test client (behind tests/system.py's in-process calls) warns on import that it will want httpx2;
# pytest filters the same warning (pyproject.toml). Here it only cluttered every bench's output.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
