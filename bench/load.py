"""A small HTTP/1.1 load generator: keep-alive connections driven concurrently by asyncio.

    python -m bench.load spec.json   # prints the result as JSON on stdout

It runs in its own process (never inside the server's), so measuring does not steal the server's
interpreter. The spec (JSON):

    {"host": "127.0.0.1", "port": 8000, "concurrency": 8, "warmup": 1.0, "duration": 5.0,
     "maxRequests": null,
     "mode": "cycle" | "once" | "walk",
     "requests": [{"method": "GET", "path": "/x", "headers": {...}, "body": "..."}, ...],
     "walk": {"tokenPath": ["paginationDetails", "nextToken"], "param": "paginationToken"},
     "cpuOf": {"workers": [pids], "databaseProcess": "postgres" | null}}

- cycle: every connection takes the next request of the list, round and round.
- once: each request is sent exactly once (e.g. PATCHes carrying their own If-Match); no warm-up.
- walk: each request is the first page of a cursor walk; the connection follows the next-page
  token found at `tokenPath` in each JSON body until it is null, then starts the next walk.

Cookies are kept as a browser keeps them: a cookie a response sets replaces the one of that name
in every request that sends it (a signed-in officer's session cookie, re-signed now and then to
keep the session alive). Without it every request after the first refresh would carry the old
cookie, and the product would re-sign it on every response, which no browser would cause.

Latencies are measured per request from writing it to reading the last body byte.
With `cpuOf`, the CPU seconds (user and system, from /proc) that the server's workers, the
database server's processes on this machine (every process of that name) and the load generator
itself spent over the measured window are reported as `cpuSeconds`: where a response's cost goes.
Warm-up lasts `warmup` seconds and, beyond them, until every connection has had one response.
"""

import asyncio
import itertools
import json
import math
import os
import statistics
import sys
import time
from collections import Counter
from urllib.parse import quote

# The longest warm-up waits for every caller's first response (a worker's first page, cold).
WARMUP_FIRST_RESPONSE_SECONDS = 30.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")  # /proc's unit of CPU time (the bench runs on Linux)


def process_cpu_seconds(pid: int) -> float:
    """User plus system CPU a process has used, from /proc/<pid>/stat; 0 once it has gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def processes_named(name: str) -> list[int]:
    """Every process on this machine whose command name is `name` (PostgreSQL's backends, say)."""
    pids = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                command = stat.read().split(" (", 1)[1].rsplit(")", 1)[0]
        except (OSError, IndexError):
            continue
        if command == name:
            pids.append(int(entry.name))
    return pids


class CpuMeter:
    """The CPU seconds the server's workers, the database's processes and this process spend
    between start() and stop(). The database's processes are listed at start(): by then the
    workers' pooled connections (a backend process each) are open."""

    def __init__(self, spec: dict):
        self.workers = [int(pid) for pid in spec.get("workers") or ()]
        self.database_process = spec.get("databaseProcess")
        self.database: list[int] = []
        self.started: dict[str, float] = {}
        self.used: dict[str, float] | None = None

    def readings(self) -> dict[str, float]:
        return {
            "workers": sum(process_cpu_seconds(pid) for pid in self.workers),
            "database": sum(process_cpu_seconds(pid) for pid in self.database),
            "loadGenerator": time.process_time(),
        }

    def start(self) -> None:
        if self.database_process:
            self.database = processes_named(self.database_process)
        self.started = self.readings()

    def stop(self) -> None:
        ended = self.readings()
        self.used = {key: round(ended[key] - self.started[key], 3) for key in ended}


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, math.ceil(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def encode_request(host: str, port: int, request: dict) -> bytes:
    body = request.get("body")
    body_bytes = body.encode() if isinstance(body, str) else (body or b"")
    headers = {"Host": f"{host}:{port}", "Connection": "keep-alive", **request.get("headers", {})}
    if body_bytes or request.get("method", "GET") in ("POST", "PUT", "PATCH"):
        headers["Content-Length"] = str(len(body_bytes))
    head = f"{request.get('method', 'GET')} {request['path']} HTTP/1.1\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return head.encode("latin-1") + b"\r\n" + body_bytes


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(parts)
    elif status in (204, 304) or status < 200:
        body = b""
    else:
        body = await reader.read()  # close-delimited
        headers["connection"] = "close"
    return status, headers, body


def cookie_set(set_cookie: str) -> tuple[str, str]:
    """(name, value) of a Set-Cookie header."""
    name, _, rest = set_cookie.partition("=")
    return name.strip(), rest.split(";", 1)[0].strip()


def with_cookie(cookie_header: str, name: str, value: str) -> str | None:
    """The Cookie header with `name`'s value replaced, or None if it does not send that cookie."""
    pairs = [pair.strip() for pair in cookie_header.split(";") if pair.strip()]
    names = [pair.partition("=")[0] for pair in pairs]
    if name not in names:
        return None
    pairs[names.index(name)] = f"{name}={value}"
    return "; ".join(pairs)


def dig(document, path: list[str]):
    for key in path:
        if not isinstance(document, dict):
            return None
        document = document.get(key)
    return document


class Run:
    def __init__(self, spec: dict):
        self.spec = spec
        self.host, self.port = spec.get("host", "127.0.0.1"), int(spec["port"])
        self.requests = list(spec["requests"])
        self.mode = spec.get("mode", "cycle")
        self.encoded = [encode_request(self.host, self.port, r) for r in self.requests]
        self.next_index = itertools.count()
        self.measuring = self.mode == "once" or not spec.get("warmup")
        self.stopped = False
        self.latencies: list[float] = []
        self.statuses: Counter = Counter()
        self.body_bytes = 0
        self.errors: Counter = Counter()
        self.max_requests = spec.get("maxRequests")
        self.sent = 0
        self.answered_callers: set[int] = set()  # callers that have had a response, warm-up or not
        self.cpu = CpuMeter(spec.get("cpuOf")) if spec.get("cpuOf") else None

    def take(self) -> int | None:
        index = next(self.next_index)
        if self.mode == "once":
            return index if index < len(self.requests) else None
        return index % len(self.requests)

    def record(self, status: int, latency: float, size: int) -> None:
        if not self.measuring:
            return
        self.latencies.append(latency)
        self.statuses[status] += 1
        self.body_bytes += size
        self.sent += 1
        if self.max_requests and self.sent >= self.max_requests:
            self.stopped = True

    def keep_cookie(self, set_cookie: str) -> None:
        """Send the cookie a response set, from now on, in every request that sends one of its
        name (requests are encoded again: this happens once a minute at most, not per request)."""
        name, value = cookie_set(set_cookie)
        changed = False
        for index, request in enumerate(self.requests):
            headers = request.get("headers") or {}
            cookie = with_cookie(headers.get("Cookie", ""), name, value)
            if cookie is not None and cookie != headers["Cookie"]:
                self.requests[index] = {**request, "headers": {**headers, "Cookie": cookie}}
                changed = True
        if changed:
            self.encoded = [encode_request(self.host, self.port, r) for r in self.requests]

    async def connection(self, caller: int) -> None:
        reader = writer = None
        walk = self.spec.get("walk") or {}
        pending_walk: dict | None = None
        try:
            while not self.stopped:
                if pending_walk is not None:
                    raw = encode_request(self.host, self.port, pending_walk)
                else:
                    index = self.take()
                    if index is None:
                        return
                    raw = self.encoded[index]
                    pending_walk = dict(self.requests[index]) if self.mode == "walk" else None
                if writer is None:
                    reader, writer = await asyncio.open_connection(self.host, self.port)
                started = time.perf_counter()
                writer.write(raw)
                status, headers, body = await read_response(reader)
                self.record(status, time.perf_counter() - started, len(body))
                self.answered_callers.add(caller)
                if "set-cookie" in headers:
                    self.keep_cookie(headers["set-cookie"])
                if headers.get("connection", "").lower() == "close":
                    writer.close()
                    reader = writer = None
                if pending_walk is not None:
                    token = dig(json.loads(body), walk["tokenPath"]) if status == 200 and body else None
                    if token:
                        base = self.requests[index]["path"]
                        separator = "&" if "?" in base else "?"
                        pending_walk = {
                            **pending_walk,
                            "path": f"{base}{separator}{walk['param']}={quote(str(token))}",
                        }
                    else:
                        pending_walk = None
        except (ConnectionError, asyncio.IncompleteReadError, OSError, ValueError) as exc:
            self.errors[type(exc).__name__] += 1
        finally:
            if writer is not None:
                writer.close()

    async def main(self) -> dict:
        concurrency = int(self.spec.get("concurrency", 1))
        tasks = [asyncio.create_task(self.connection(caller)) for caller in range(concurrency)]
        warmup = float(self.spec.get("warmup") or 0)
        if not self.measuring:
            await asyncio.sleep(warmup)
            # Warm-up also lasts until every caller has had its first response: a caller's first
            # request may reach a worker that has served nothing yet, and in a short phase (a
            # smoke run's 0.4 s) that one cold response could outlast the measured window.
            limit = time.perf_counter() + WARMUP_FIRST_RESPONSE_SECONDS
            while (
                len(self.answered_callers) < concurrency
                and time.perf_counter() < limit
                and not all(t.done() for t in tasks)
            ):
                await asyncio.sleep(0.01)
            self.measuring = True
        # Before the window's clock starts: listing the database's processes takes a moment, and
        # a phase with no warm-up has sent nothing yet (its callers first run at the next await).
        if self.cpu:
            self.cpu.start()
        started = time.perf_counter()
        deadline = started + float(self.spec.get("duration", 5))
        while time.perf_counter() < deadline and not self.stopped and not all(t.done() for t in tasks):
            await asyncio.sleep(0.01)
        elapsed = time.perf_counter() - started
        self.stopped = True
        self.measuring = False
        if self.cpu:
            self.cpu.stop()
        await asyncio.wait(tasks, timeout=30)
        for task in tasks:
            task.cancel()
        return self.summary(elapsed)

    def summary(self, elapsed: float) -> dict:
        ok = sum(n for status, n in self.statuses.items() if status < 400)
        summary = summarise(
            self.latencies,
            elapsed,
            statuses={str(k): v for k, v in sorted(self.statuses.items())},
            errors=dict(self.errors),
            body_bytes=self.body_bytes,
            ok=ok,
        )
        if self.spec.get("rawLatencies"):
            summary["latenciesUs"] = [round(value * 1e6) for value in self.latencies]
        if self.cpu and self.cpu.used is not None:
            summary["cpuSeconds"] = self.cpu.used
        return summary


def summarise(latencies: list[float], elapsed: float, statuses: dict, errors: dict, body_bytes: int, ok: int):
    """The figures of a run (or of several runs merged): latencies in seconds."""
    values = sorted(latencies)
    count = len(values)
    return {
        "requests": count,
        "okRequests": ok,
        "statuses": statuses,
        "errors": errors,
        "seconds": round(elapsed, 3),
        "throughput": round(count / elapsed, 2) if elapsed > 0 else 0.0,
        "meanBodyBytes": round(body_bytes / count) if count else 0,
        "latencyMs": {
            "p50": round(percentile(values, 0.50) * 1000, 3),
            "p95": round(percentile(values, 0.95) * 1000, 3),
            "p99": round(percentile(values, 0.99) * 1000, 3),
            "mean": round(statistics.fmean(values) * 1000, 3) if values else float("nan"),
            "max": round(values[-1] * 1000, 3) if values else float("nan"),
        },
    }


def merge(runs: list[dict]) -> dict:
    """Runs made with rawLatencies, as one: counts added, percentiles of all the latencies."""
    statuses: Counter = Counter()
    errors: Counter = Counter()
    for run_result in runs:
        statuses.update(run_result["statuses"])
        errors.update(run_result["errors"])
    merged = summarise(
        [value / 1e6 for run_result in runs for value in run_result["latenciesUs"]],
        sum(run_result["seconds"] for run_result in runs),
        statuses=dict(sorted(statuses.items())),
        errors=dict(errors),
        body_bytes=sum(run_result["meanBodyBytes"] * run_result["requests"] for run_result in runs),
        ok=sum(run_result["okRequests"] for run_result in runs),
    )
    merged["rounds"] = len(runs)
    if runs and all("cpuSeconds" in run_result for run_result in runs):
        merged["cpuSeconds"] = {
            key: round(sum(run_result["cpuSeconds"][key] for run_result in runs), 3)
            for key in runs[0]["cpuSeconds"]
        }
    # Each round's own throughput: how far the rounds (alternating with the floor's) spread.
    merged["roundThroughputs"] = [run_result["throughput"] for run_result in runs]
    return merged


def run(spec: dict) -> dict:
    return asyncio.run(Run(spec).main())


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    with open(argv[0]) as spec_file:
        spec = json.load(spec_file)
    json.dump(run(spec), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
