"""Where the cores went: `Meter` reads the CPU time of several named processes (with their descendants:
bench.loadgen.tree_cpu_seconds) before and after a stretch of work; `lines` prints CPU milliseconds per
unit of work by process, the cores a rate needs at that cost, and each process's peak resident memory
(VmHWM: the most it held since it started, so under the load when the load is the heaviest it saw).
"""

from __future__ import annotations

import os
from pathlib import Path

from bench.loadgen import tree_cpu_seconds


def peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident set (VmHWM), in MB; None when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


class Meter:
    """CPU seconds of named processes over a stretch of work."""

    def __init__(self, pids: dict[str, int | None]) -> None:
        self.pids = {name: pid for name, pid in pids.items() if pid}
        self.start = {name: tree_cpu_seconds(pid) for name, pid in self.pids.items()}
        self.used: dict[str, float] = {}
        self.peak: dict[str, float] = {}

    def stop(self) -> dict[str, float]:
        self.used = {name: tree_cpu_seconds(pid) - self.start[name] for name, pid in self.pids.items()}
        self.peak = {name: peak for name, pid in self.pids.items() if (peak := peak_rss_mb(pid)) is not None}
        return self.used

    def lines(self, units: int, rate: float, unit: str = "complaint") -> list[str]:
        """CPU per unit by process, and the cores `rate` units a second need at that cost."""
        if not self.used or units <= 0:
            return []
        total = sum(self.used.values())
        parts = ", ".join(f"{name} {seconds * 1000 / units:.1f}" for name, seconds in self.used.items())
        return [f"  CPU per {unit} (ms, everything it set off): {parts}; total {total * 1000 / units:.1f} ms "
                f"→ {rate:.0f}/s needs {total / units * rate:.2f} cores (this machine: {os.cpu_count()})",
                "  peak RSS (MB, main process): " + ", ".join(f"{name} {mb:.0f}" for name, mb in self.peak.items())]
