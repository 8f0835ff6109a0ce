"""A small closed-loop HTTP/1.1 load generator (what wrk does, in Python): N keep-alive connections, each
sending its next request as soon as the previous answer arrived, for a fixed time.

Built on asyncio protocols (uvloop when installed) with the requests prepared as bytes and the answers
parsed only as far as the status line and Content-Length, so that one core of it drives several thousand
requests a second: several times what the servers measured here answer, and it says how much CPU it took
(`cpu_cores`), so a run can show that the generator was not the limit.

Run in its own process (`python -m bench.loadgen ...`, as `bench.ceiling` does): it then competes with the
server for the cores like any client would, and its own CPU time is its alone. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import resource
import sys
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Tally:
    """What the connections saw while the clock ran (warm-up excluded)."""

    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    unexpected: int = 0  # answers with another status than expected
    failures: int = 0  # connections reset, refused, timed out, unparseable answers
    counting: bool = False
    acknowledged: int = 0  # answers with the expected status, warm-up and the last in-flight ones included


Request = tuple[bytes, bytes]  # the request up to the unique header's place, and the rest


def build_requests(url: str, method: str, bodies: list[bytes], headers: dict[str, str]) -> list[Request]:
    """The raw requests, one per body (the connections cycle through them), each in two halves: a header
    with a value of its own per request (`--unique-header`) goes between them."""
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    host = parts.netloc
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}", "User-Agent: bench.loadgen", "Accept: */*"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    requests = []
    for body in bodies or [b""]:
        rest = [f"Content-Length: {len(body)}"] if body or method in ("POST", "PUT", "PATCH") else []
        requests.append((("\r\n".join(lines) + "\r\n").encode("latin-1"),
                         "".join(line + "\r\n" for line in rest).encode("latin-1") + b"\r\n" + body))
    return requests


_tags = itertools.count(1)  # a connection's part of the unique header values (reconnections too)


class Connection(asyncio.Protocol):
    """One keep-alive connection: send, read one answer, send the next, until told to stop."""

    def __init__(self, requests: list[Request], offset: int, expected: int, tally: Tally,
                 stop_at: list[float], done: asyncio.Future[None], timeout: float, unique: bytes = b"") -> None:
        self.requests = requests
        self.unique = unique  # b"Name: " of a header whose value is new for every request, or b""
        self.tag = f"{os.getpid()}-{next(_tags)}-".encode()
        self.index = offset
        self.expected = expected
        self.tally = tally
        self.stop_at = stop_at
        self.done = done
        self.timeout = timeout
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.sent_at = 0.0
        self.need: int | None = None  # bytes of the whole current answer, once its head is read
        self.status = 0
        self.timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a stream transport (uvloop's is its own class)
        self.send()

    def send(self) -> None:
        if time.perf_counter() >= self.stop_at[0]:
            self.finish()
            return
        assert self.transport is not None
        head, rest = self.requests[self.index % len(self.requests)]
        self.index += 1
        if self.unique:
            head += self.unique + self.tag + str(self.index).encode() + b"\r\n"
        self.need = None
        self.sent_at = time.perf_counter()
        self.transport.write(head + rest)
        self.timer = asyncio.get_running_loop().call_later(self.timeout, self.timed_out)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.need is None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end]).split(b"\r\n")
            try:
                self.status = int(head[0].split(b" ", 2)[1])
                length = 0
                for line in head[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                    elif name.strip().lower() == b"transfer-encoding":
                        raise ValueError("chunked answers are not read by this generator")
            except (IndexError, ValueError):
                self.fail()
                return
            self.need = end + 4 + length
        if len(self.buffer) < self.need:
            return
        finished = time.perf_counter()
        if self.timer is not None:
            self.timer.cancel()
        del self.buffer[:self.need]
        tally = self.tally
        if self.status == self.expected:
            tally.acknowledged += 1
        if tally.counting:
            tally.latencies.append(finished - self.sent_at)
            tally.statuses[self.status] = tally.statuses.get(self.status, 0) + 1
            if self.status != self.expected:
                tally.unexpected += 1
        self.send()

    def timed_out(self) -> None:
        self.fail()

    def fail(self) -> None:
        if self.tally.counting:
            self.tally.failures += 1
        self.finish()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            if self.tally.counting and time.perf_counter() < self.stop_at[0]:
                self.tally.failures += 1
            self.done.set_result(None)

    def finish(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        if self.transport is not None:
            self.transport.close()
        if not self.done.done():
            self.done.set_result(None)


async def drive(url: str, requests: list[Request], *, connections: int, duration: float, warmup: float,
                expected: int, timeout: float, watch: dict[str, int] | None = None,
                unique_header: str = "", also_ports: tuple[int, ...] = ()) -> dict[str, Any]:
    """`also_ports`: more servers on the same host (replicas of one service): connection i goes to the i-th
    port in turn, as a gateway spreading connections over them would."""
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    ports = (parts.port or 80, *also_ports)
    loop = asyncio.get_running_loop()
    tally = Tally()
    stop_at = [float("inf")]
    unique = f"{unique_header}: ".encode("latin-1") if unique_header else b""

    async def one(i: int) -> None:
        # A connection that fails is opened again while the clock runs (wrk does the same).
        while time.perf_counter() < stop_at[0]:
            done: asyncio.Future[None] = loop.create_future()
            try:
                await loop.create_connection(
                    lambda done=done: Connection(requests, i * 7, expected, tally, stop_at, done, timeout, unique),
                    host, ports[i % len(ports)])
            except OSError:
                if tally.counting:
                    tally.failures += 1
                await asyncio.sleep(0.05)
                continue
            await done

    tasks = [asyncio.create_task(one(i)) for i in range(connections)]
    await asyncio.sleep(warmup)
    watch = watch or {}
    watched0 = {name: tree_cpu_seconds(pid) for name, pid in watch.items()}
    cpu0, wall0 = _cpu_seconds(), time.perf_counter()
    tally.counting = True
    stop_at[0] = wall0 + duration
    await asyncio.sleep(duration)
    tally.counting = False
    wall = time.perf_counter() - wall0
    cpu = _cpu_seconds() - cpu0
    watched = {name: round((tree_cpu_seconds(pid) - watched0[name]) / wall, 3) for name, pid in watch.items()}
    await asyncio.wait(tasks, timeout=timeout + 1)  # the answers in flight arrive (and are acknowledged)
    for task in tasks:
        task.cancel()
    latencies = sorted(tally.latencies)
    done_count = len(latencies)
    return {
        "requests": done_count,
        "seconds": round(wall, 3),
        "rate": done_count / wall if wall else 0.0,
        "p50_ms": _pct(latencies, 0.50) * 1000,
        "p90_ms": _pct(latencies, 0.90) * 1000,
        "p99_ms": _pct(latencies, 0.99) * 1000,
        "max_ms": (latencies[-1] if latencies else 0.0) * 1000,
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        "errors": tally.unexpected + tally.failures,
        "failures": tally.failures,
        "acknowledged_total": tally.acknowledged,
        "connections": connections,
        "cpu_seconds": round(cpu, 3),
        "cpu_cores": round(cpu / wall, 3) if wall else 0.0,
        "event_loop": type(loop).__module__.split(".")[0],
        "watched_cores": watched,  # CPU of each watched process and its children over the window, in cores
    }


def _pct(ordered: list[float], share: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


_TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU seconds of a process and its descendants (a PostgreSQL server's backends), from /proc,
    with the children the root has reaped (backends that ended; their own children's are not counted)."""
    total = 0.0
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2:].split()  # after "pid (comm) "
        pid = int(entry)
        parents[pid] = int(fields[1])
        # utime + stime; the root's reaped children too (PostgreSQL's backends that ended in the window)
        times[pid] = sum(int(fields[i]) for i in ((11, 12, 13, 14) if pid == root else (11, 12))) / _TICKS
    for pid, cpu in times.items():
        node = pid
        while node and node != root:
            node = parents.get(node, 0)
        if node == root:
            total += cpu
    return total


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen", description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body", action="append", default=[], help="a request body (repeat: used in turn)")
    parser.add_argument("--header", action="append", default=[], help="Name: value")
    parser.add_argument("--unique-header", default="", metavar="NAME",
                        help="a header with a new value in every request (e.g. Idempotency-Key)")
    parser.add_argument("--connections", "-c", type=int, default=16)
    parser.add_argument("--duration", "-d", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--expect", type=int, default=200, help="the status every answer should have")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds an answer may take")
    parser.add_argument("--also-port", action="append", type=int, default=[], metavar="PORT",
                        help="another server on the same host (a replica): the connections are spread over all")
    parser.add_argument("--no-uvloop", action="store_true")
    parser.add_argument("--watch", action="append", default=[], metavar="NAME=PID",
                        help="report the CPU a process (and its children) took over the window")
    args = parser.parse_args(argv)
    headers = dict(h.split(":", 1) for h in args.header)
    headers = {k.strip(): v.strip() for k, v in headers.items()}
    requests = build_requests(args.url, args.method.upper(), [b.encode() for b in args.body], headers)
    run = drive(args.url, requests, connections=args.connections, duration=args.duration, warmup=args.warmup,
                expected=args.expect, timeout=args.timeout,
                watch={name: int(pid) for name, pid in (w.split("=", 1) for w in args.watch)},
                unique_header=args.unique_header, also_ports=tuple(args.also_port))
    if not args.no_uvloop:
        try:
            import uvloop
        except ImportError:
            pass
        else:
            result = uvloop.run(run)
            print(json.dumps({**result, "pid": os.getpid()}))
            return
    result = asyncio.run(run)
    print(json.dumps({**result, "pid": os.getpid()}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
