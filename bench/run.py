"""The benchmark: data set, servers, load, report.

    python -m bench.run --scale small            # SQLite, plus PostgreSQL when BENCH_DATABASE_URL is set
    make bench SCALE=full BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test

For each database: generate and load the seeded data set (bench.datagen), serve the product with
gunicorn on loopback, serve the floor app (bench.floor_app) in the same gunicorn configuration,
and drive both with the load generator (bench.load) from a second process. Every scenario is
measured twice on each server: one caller at a time (latency as a caller sees it) and several
concurrent callers (throughput). Every figure is reported beside, and as a ratio to, its floor
measured in the same run. Writes bench/results/latest.json and latest.md.
"""

import argparse
import contextlib
import http.cookiejar
import json
import os
import platform
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bench import datagen, load, targets

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
DATA_DIR = Path(os.environ.get("BENCH_DATA_DIR", BENCH_DIR / "data"))
RESULTS_DIR = BENCH_DIR / "results"

# Two workers per CPU, one thread each (gunicorn's advice for Python that is CPU-bound between
# queries): threads in one worker convoy on the GIL whenever a request waits on the database (a
# thread that gave up the GIL for a query gets it back only when the other blocks or after the
# 5 ms switch interval). The floor runs in the same configuration. BENCH_WORKERS/BENCH_THREADS.
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
THREADS = int(os.environ.get("BENCH_THREADS", "1"))
# Connections a worker holds at most. With gunicorn's default (1,000) whichever worker wins the
# accept race may take every caller's keep-alive connection, and a run then measures one worker
# on one CPU while the others idle (seen: all 8 callers on one worker in one round, spread over
# four in the next). Two callers per worker plus one for a thread's keep-alive slack spreads them.
WORKER_CONNECTIONS = int(os.environ.get("BENCH_WORKER_CONNECTIONS", "3"))
TIMINGS = {
    # warm-up and measured seconds per phase, requests for one-shot scenarios, concurrency, and
    # rounds: each phase's measured seconds are split into rounds alternating product and floor
    "small": {"warmup": 0.1, "duration": 0.4, "once": 40, "concurrency": 4, "rounds": 1},
    "medium": {"warmup": 1.0, "duration": 3.0, "once": 300, "concurrency": 8, "rounds": 2},
    "full": {"warmup": 2.0, "duration": 6.0, "once": 600, "concurrency": 8, "rounds": 3},
}
ROUND_WARMUP_SECONDS = 0.5  # after the first round the server is warm; new connections only


# -- processes ----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop_with_parent() -> None:
    """In the child before exec: ask Linux to send SIGTERM when the benchmark process dies (a
    timeout that kills it must not leave its servers running)."""
    if sys.platform != "linux":
        return
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


class Server:
    """A gunicorn master on loopback with a fixed number of workers (the same for product and floor)."""

    def __init__(self, name: str, wsgi_target: str, env: dict, log_path: Path, ready_path: str):
        self.name, self.port = name, free_port()
        self.ready_path = ready_path
        # The command name of the database server's processes on this machine, whose CPU the
        # load generator measures beside the workers' (set by bench_database); None: in-process.
        self.database_process: str | None = None
        self.log = open(log_path, "wb")  # noqa: SIM115 - kept open for the server's life
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "gthread",
            "--threads",
            str(THREADS),
            "--worker-connections",
            str(WORKER_CONNECTIONS),
            "--keep-alive",
            "60",
            "--bind",
            f"127.0.0.1:{self.port}",
            wsgi_target,
        ]
        self.environment = {**os.environ, **env}
        self.process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=self.environment,
            stdout=self.log,
            stderr=self.log,
            preexec_fn=stop_with_parent,  # noqa: PLW1509 - only sets the parent-death signal
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} server exited; see {self.log.name}")
            try:
                with urllib.request.urlopen(self.url(self.ready_path), timeout=2) as response:  # noqa: S310
                    if response.status == 200 and len(self.worker_pids()) >= WORKERS:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} server did not become ready; see {self.log.name}")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if children.exists():
            return [int(pid) for pid in children.read_text().split()]
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return pids

    def reset_peak_memory(self) -> None:
        """Reset each worker's peak resident set (VmHWM), so the next reading is this scenario's."""
        for pid in self.worker_pids():
            with contextlib.suppress(OSError):
                Path(f"/proc/{pid}/clear_refs").write_text("5")

    def peak_memory_mb(self) -> float:
        """The largest peak resident set of any worker since the last reset, in MiB."""
        peaks = []
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"VmHWM:\s+(\d+) kB", status)
            if match:
                peaks.append(int(match.group(1)) / 1024)
        return round(max(peaks), 1) if peaks else float("nan")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def run_load(spec: dict) -> dict:
    """The load generator runs in its own process so it never shares an interpreter with a server."""
    spec_path = DATA_DIR / f"load-spec-{os.getpid()}.json"
    spec_path.write_text(json.dumps(spec))
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "bench.load", str(spec_path)],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
    finally:
        spec_path.unlink(missing_ok=True)
    return json.loads(completed.stdout)


def run_page_layers(database: str, manifest: dict, scale: str, scenario_list, bodies_path: Path) -> dict:
    """The process page's Python, layer by layer (bench.page_layers), in a process of its own in
    the product's environment, on the visit and session the served scenarios used."""
    measured = {s.name: s for s in scenario_list if s.available}
    render, bound = measured.get("process_page_render"), measured.get("process_page_signed_in_bound")
    if render is None or bound is None:
        return {"note": "not measured: the process page or its signed-in baseline was not measured"}
    timing = TIMINGS[scale]
    spec_path = DATA_DIR / f"page-layers-{database}.json"
    spec_path.write_text(
        json.dumps(
            {
                "pagePath": render.requests[0]["path"],
                "boundPath": bound.requests[0]["path"],
                "headers": render.requests[0]["headers"],
                "seconds": timing["duration"] / 2,
                "rounds": timing["rounds"],
                "warmupSeconds": timing["warmup"] / 4,
            }
        )
    )
    environment = {
        **os.environ,
        **app_environment(manifest, database),
        "BENCH_FLOOR_BODIES": str(bodies_path),
    }
    with open(DATA_DIR / f"page-layers-{database}.log", "w") as log_file:  # the request log
        completed = subprocess.run(
            [sys.executable, "-m", "bench.page_layers", str(spec_path)],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=log_file,
            text=True,
            timeout=300,
        )
    if completed.returncode != 0:
        return {"note": f"not measured: bench.page_layers failed; see {log_file.name}"}
    return json.loads(completed.stdout)


def run_pdf_probe(scale: str) -> dict:
    repeat = 1 if scale == "small" else 3
    completed = subprocess.run(
        [sys.executable, "-m", "bench.pdf_probe", "--repeat", str(repeat)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return json.loads(completed.stdout)


# -- HTTP helpers for set-up (not measured) ------------------------------------------------------
# The one browser the bench signs in with and then measures: an officer's session is bound to the
# browser that signed in (Flask-Login's session protection), so the load generator sends the same.
BENCH_USER_AGENT = "housing-app-bench/1 (loopback)"


class Browser:
    """A cookie-keeping client for signing in and fetching forms with their CSRF tokens."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect()
        )
        self.opener.addheaders = [("User-Agent", BENCH_USER_AGENT)]

    def request(self, method: str, path: str, data: dict | list | None = None, headers=None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(
            self.base_url + path, data=body, method=method, headers=headers or {}
        )
        try:
            response = self.opener.open(request, timeout=60)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            return response.status, dict(response.headers), response.read()

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.cookies)

    def signed_in_headers(self) -> dict:
        """What this browser sends with each request once signed in: its cookies, and the same
        User-Agent it signed in with (another would look like a stolen session cookie)."""
        return {"Cookie": self.cookie_header(), "User-Agent": BENCH_USER_AGENT}

    def sign_in(self, email: str, password: str) -> bool:
        _status, _headers, page = self.request("GET", "/sign-in")
        token = csrf_token(page.decode())
        status, _headers, _body = self.request(
            "POST", "/sign-in", {"email": email, "password": password, "csrf_token": token or ""}
        )
        return status in (302, 303)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def csrf_token(html: str) -> str | None:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    return match.group(1) if match else None


def api_call(server: Server, method: str, path: str, token: str, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    all_headers = {"Authorization": f"Bearer {token}", **(headers or {})}
    if data is not None:
        all_headers["Content-Type"] = "application/json"
    request = urllib.request.Request(server.url(path), data=data, method=method, headers=all_headers)
    try:
        response = urllib.request.urlopen(request, timeout=60)  # noqa: S310 - loopback
    except urllib.error.HTTPError as error:
        response = error
    with response:
        return response.status, dict(response.headers), response.read()


# -- scenarios ----------------------------------------------------------------------------------
@dataclass
class Scenario:
    name: str
    title: str
    kind: str  # "api" (floor: JSON body), "page" (floor: static Jinja page), "save" (floor: form POST)
    requests: list[dict] = field(default_factory=list)
    mode: str = "cycle"
    walk: dict | None = None
    expect: tuple[int, ...] = (200,)
    available: bool = True
    note: str = ""
    # For "once" scenarios: separate request lists for the latency and throughput phases.
    phase_requests: dict | None = None
    # The server that answers: "app" (the product) or a baseline of its own (BASELINE_SERVERS).
    server: str = "app"


# Baselines served by an app of their own, in the product's environment and gunicorn
# configuration: {server: (wsgi target, the scenario whose floor body they answer with)}.
BASELINE_SERVERS = {"signed_in_bound": ("bench.signed_in_bound:app", "process_page_render")}


def build_scenarios(app_server: Server, manifest: dict, scale: str, log) -> list[Scenario]:
    from bench import scenarios

    return scenarios.build(app_server, manifest, TIMINGS[scale], log)


def probe(server: Server, scenario: Scenario) -> tuple[int, bytes]:
    """Send the scenario's first request once (not measured) and return status and body."""
    first = (scenario.phase_requests or {}).get("probe") or scenario.requests[0]
    body = first.get("body")
    request = urllib.request.Request(
        server.url(first["path"]),
        data=body.encode() if isinstance(body, str) else body,
        method=first.get("method", "GET"),
        headers=first.get("headers", {}),
    )
    try:
        response = urllib.request.build_opener(NoRedirect()).open(request, timeout=120)
    except urllib.error.HTTPError as error:
        response = error
    with response:
        return response.status, response.read()


def floor_requests(scenario: Scenario) -> list[dict]:
    if scenario.kind == "page":
        return [{"method": "GET", "path": f"/floor/page/{scenario.name}"}]
    if scenario.kind == "save":
        first = scenario.requests[0]
        return [
            {
                "method": "POST",
                "path": f"/floor/page/{scenario.name}",
                "headers": {"Content-Type": "application/x-www-form-urlencoded"},
                "body": first.get("body", ""),
            }
        ]
    first = scenario.requests[0]
    request = {"method": first.get("method", "GET"), "path": f"/floor/json/{scenario.name}"}
    if first.get("body"):
        request["headers"] = {"Content-Type": "application/json"}
        request["body"] = first["body"]
    return [request]


def measure_pair(app_server: Server, floor_server: Server, scenario: Scenario, timing: dict):
    """Latency with one caller, then throughput with several, for the product and its floor;
    peak worker memory over both phases. Each phase is split into rounds that alternate product
    and floor, so whatever else the machine does meanwhile falls on both alike."""
    app_server.reset_peak_memory()
    floor_server.reset_peak_memory()
    rounds = 1 if scenario.mode == "once" else max(1, timing.get("rounds", 1))
    app, floor = {}, {}
    for phase, concurrency in (("latency", 1), ("throughput", timing["concurrency"])):
        runs: dict[bool, list[dict]] = {False: [], True: []}
        for round_index in range(rounds):
            for server, is_floor in ((app_server, False), (floor_server, True)):
                spec = load_spec(server, scenario, phase, concurrency, timing, is_floor, round_index, rounds)
                runs[is_floor].append(run_load(spec))
        app[phase], floor[phase] = load.merge(runs[False]), load.merge(runs[True])
    app["peakWorkerMemoryMb"] = app_server.peak_memory_mb()
    floor["peakWorkerMemoryMb"] = floor_server.peak_memory_mb()
    return app, floor


def load_spec(server, scenario, phase, concurrency, timing, is_floor, round_index, rounds) -> dict:
    mode = "cycle" if is_floor else scenario.mode
    requests = floor_requests(scenario) if is_floor else scenario.requests
    if not is_floor and scenario.phase_requests:
        requests = scenario.phase_requests[phase]
    if mode == "once":
        warmup, duration = 0, timing["duration"] * 3
    else:
        warmup = timing["warmup"] if round_index == 0 else min(timing["warmup"], ROUND_WARMUP_SECONDS)
        duration = timing["duration"] / rounds
    return {
        "port": server.port,
        "concurrency": concurrency,
        "warmup": warmup,
        "duration": duration,
        "mode": mode,
        "requests": requests,
        "walk": None if is_floor else scenario.walk,
        "rawLatencies": True,
        "cpuOf": {"workers": server.worker_pids(), "databaseProcess": server.database_process},
    }


def ratio(value: float, baseline: float) -> float | None:
    if not baseline or value != value or baseline != baseline:  # zero or NaN
        return None
    return round(value / baseline, 3)


def compare(app: dict, floor: dict) -> dict:
    return {
        "throughput": ratio(app["throughput"]["throughput"], floor["throughput"]["throughput"]),
        "latencyP50": ratio(app["latency"]["latencyMs"]["p50"], floor["latency"]["latencyMs"]["p50"]),
        "latencyP95": ratio(app["latency"]["latencyMs"]["p95"], floor["latency"]["latencyMs"]["p95"]),
        "latencyP99": ratio(app["latency"]["latencyMs"]["p99"], floor["latency"]["latencyMs"]["p99"]),
        "peakWorkerMemory": ratio(app["peakWorkerMemoryMb"], floor["peakWorkerMemoryMb"]),
        # Each round's product against the floor's round beside it: a ratio near its target is
        # read with this spread (the machine's own noise), not as one exact figure.
        "throughputRounds": [
            ratio(measured, baseline)
            for measured, baseline in zip(
                app["throughput"]["roundThroughputs"],
                floor["throughput"]["roundThroughputs"],
                strict=True,
            )
        ],
    }


# -- one database ------------------------------------------------------------------------------
def make_loader(database: str, scale: str):
    if database == "sqlite":
        return datagen.SqliteLoader(DATA_DIR / f"{scale}.sqlite")
    schema = os.environ.get("BENCH_PG_SCHEMA", f"bench_{scale}")
    return datagen.PostgresLoader(os.environ["BENCH_DATABASE_URL"], schema)


def prepare_databases(databases: list[str], scale: str, seed: int, reuse: bool, log) -> dict:
    """A manifest per database: reused when asked and loaded with the same seed; the others are
    generated once and loaded together (datagen.load_many)."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    manifests, to_load = {}, []
    for database in databases:
        manifest_path = DATA_DIR / f"{scale}-{database}.json"
        loader = make_loader(database, scale)
        if reuse and manifest_path.exists():
            manifest = json.loads(manifest_path.read_text())
            if manifest.get("seed") == seed:
                log(f"{database}: reusing the loaded {scale} data set; applying any new migrations")
                started = time.perf_counter()
                datagen.migrate(loader.url())
                manifest["reused"] = True
                manifest["migrateSeconds"] = round(time.perf_counter() - started, 2)
                manifests[database] = manifest
                continue
        to_load.append((database, loader))
    if to_load:
        loaded = datagen.load_many(
            [loader for _database, loader in to_load], datagen.counts_for(scale), seed, log=log
        )
        for (database, _loader), manifest in zip(to_load, loaded, strict=True):
            manifest["scale"] = scale
            (DATA_DIR / f"{scale}-{database}.json").write_text(json.dumps(manifest, indent=2))
            manifests[database] = manifest
    return manifests


def app_environment(manifest: dict, database: str) -> dict:
    instance = DATA_DIR / f"instance-{database}"
    instance.mkdir(parents=True, exist_ok=True)
    return {
        "APP_ENV": "production",
        "SECRET_KEY": "bench-only-secret-key",
        "SESSION_COOKIE_SECURE": "false",
        "DATABASE_URL": manifest["url"],
        "INSTANCE_PATH": str(instance),
        "UPLOAD_FOLDER": str(instance / "uploads"),
        "MAIL_OUTBOX_FOLDER": str(instance / "outbox"),
        "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "INFO"),
    }


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def local_database_process(manifest: dict) -> str | None:
    """The command name of the database server's processes when they run on this machine
    (PostgreSQL on loopback or its Unix socket), so their CPU can be measured; None for SQLite,
    which runs inside the workers, or for a server elsewhere."""
    import sqlalchemy as sa

    url = sa.engine.make_url(manifest["url"])
    if url.get_backend_name() != "postgresql":
        return None
    host = url.host or url.query.get("host") or ""
    if isinstance(host, tuple):  # a host given more than once in the query
        host = host[0]
    # No host, or a directory, is PostgreSQL's Unix socket on this machine.
    return "postgres" if not host or host.startswith("/") or host in LOOPBACK_HOSTS else None


def warm_data_set(manifest: dict) -> dict:
    """Read the data set once into memory before measuring: a serving database's working set is
    in the page cache, and a machine that has just loaded (or whose host dropped its cache: seen
    here, 5 GB cached of 18 GB loaded) would otherwise measure its disk on each first read."""
    import sqlalchemy as sa

    started = time.perf_counter()
    url = sa.engine.make_url(manifest["url"])
    if url.get_backend_name() == "sqlite":
        warmed = 0
        with open(url.database, "rb") as data_file:
            while chunk := data_file.read(8 * 1024 * 1024):
                warmed += len(chunk)
        return {"warmedBytes": warmed, "warmSeconds": round(time.perf_counter() - started, 2)}
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_prewarm"))
            # The extension lives in whichever schema first created it (another scale's, say),
            # which this connection's search_path need not hold: add that schema after the data's.
            connection.execute(
                sa.text(
                    "SELECT set_config('search_path', current_setting('search_path') || ', ' || "
                    "extnamespace::regnamespace::text, true) FROM pg_extension WHERE extname = 'pg_prewarm'"
                )
            )
            blocks = connection.execute(
                sa.text(
                    "SELECT coalesce(sum(pg_prewarm(c.oid, 'read')), 0) FROM pg_class c "
                    "WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'i', 'm')"
                )
            ).scalar_one()
            connection.commit()
            block_size = int(connection.execute(sa.text("SHOW block_size")).scalar_one())
    except sa.exc.DBAPIError as error:  # no pg_prewarm, or not allowed to create it: measure cold
        return {"warmedBytes": 0, "warmNote": f"not warmed: {error.orig}"[:300]}
    finally:
        engine.dispose()
    return {"warmedBytes": int(blocks) * block_size, "warmSeconds": round(time.perf_counter() - started, 2)}


def bench_database(database: str, manifest: dict, scale: str, only: set[str] | None, log) -> dict:
    timing = TIMINGS[scale]
    warm = warm_data_set(manifest)
    log(f"{database}: data set read into memory: {warm}")
    app_server = Server(
        f"{database} app",
        "wsgi:app",
        app_environment(manifest, database),
        DATA_DIR / f"app-{database}.log",
        "/api/v1/healthcheck/ping",
    )
    floor_server = None
    servers = {"app": app_server}
    results = {}
    try:
        app_server.wait_ready()
        scenario_list = build_scenarios(app_server, manifest, scale, log)
        if only:
            scenario_list = [s for s in scenario_list if s.name in only]
        bodies = {}
        for scenario in scenario_list:
            if not scenario.available or scenario.kind == "pdf" or scenario.server != "app":
                continue
            status, body = probe(app_server, scenario)
            if status not in scenario.expect:
                scenario.available = False
                scenario.note = f"probe answered {status}, expected {scenario.expect}: {body[:200]!r}"
                continue
            kind = "page" if scenario.kind in ("page", "save") else "json"
            text = body.decode(errors="replace")
            if scenario.kind == "save":  # the floor answers a save with a redirect; no body to copy
                text = ""
            bodies[scenario.name] = {"kind": kind, "text": text}
        for scenario in scenario_list:  # a baseline's floor is its product scenario's
            if scenario.available and scenario.server != "app":
                copied = BASELINE_SERVERS[scenario.server][1]
                if copied in bodies:
                    bodies[scenario.name] = bodies[copied]
                else:
                    scenario.available, scenario.note = False, f"not available: {copied} was not measured"
        bodies_path = DATA_DIR / f"floor-bodies-{database}.json"
        bodies_path.write_text(json.dumps(bodies))
        # The floor boots while the baselines' servers do: their start-up is a smoke run's longest wait.
        floor_server = Server(
            f"{database} floor",
            "bench.floor_app:app",
            {"BENCH_FLOOR_BODIES": str(bodies_path)},
            DATA_DIR / f"floor-{database}.log",
            "/floor/ping",
        )
        servers.update(start_baseline_servers(scenario_list, manifest, database, bodies_path, bodies, log))
        floor_server.wait_ready()
        for server in (*servers.values(), floor_server):
            server.database_process = local_database_process(manifest)
        for scenario in scenario_list:
            entry = {"title": scenario.title, "kind": scenario.kind, "available": scenario.available}
            if not scenario.available:
                entry["note"] = scenario.note or "not available"
                log(f"{database} {scenario.name}: not available ({entry['note']})")
                results[scenario.name] = entry
                continue
            if scenario.kind == "pdf":
                entry.update(run_pdf_probe(scale))  # measured in a process of its own
                results[scenario.name] = entry
                log(f"{database} {scenario.name}: {entry.get('seconds')} s, {entry.get('peakMemoryMb')} MiB")
                continue
            app, floor = measure_pair(servers[scenario.server], floor_server, scenario, timing)
            entry.update(
                {
                    "app": app,
                    "floor": floor,
                    "ratios": compare(app, floor),
                    "responseBytes": len(bodies.get(scenario.name, {}).get("text", "")),
                }
            )
            if scenario.note:
                entry["note"] = scenario.note
            results[scenario.name] = entry
            log(
                f"{database} {scenario.name}: {app['throughput']['throughput']:.0f} req/s "
                f"(floor {floor['throughput']['throughput']:.0f}), "
                f"p95 {app['latency']['latencyMs']['p95']:.1f} ms "
                f"(floor {floor['latency']['latencyMs']['p95']:.1f}), "
                f"statuses {app['throughput']['statuses']}"
            )
        page_layers = run_page_layers(database, manifest, scale, scenario_list, bodies_path)
        layer_p50s = {layer["name"]: layer["p50Us"] for layer in page_layers.get("layers", [])}
        log(f"{database} process page by layer, p50 µs: {layer_p50s or page_layers.get('note')}")
    finally:
        for server in servers.values():
            server.stop()
        if floor_server:
            floor_server.stop()
    load_info = {
        key: manifest.get(key)
        for key in (
            "rows",
            "skippedTables",
            "loadSeconds",
            "generateSeconds",
            "writeSeconds",
            "insertSeconds",
            "indexSeconds",
            "rowsPerSecond",
            "loadedTogetherWith",
            "wallSeconds",
            "reused",
        )
    }
    load_info["warm"] = warm
    return {
        "load": load_info,
        "scenarios": results,
        "pageLayers": page_layers,
        "targets": targets.evaluate(results, scale),
    }


def start_baseline_servers(scenario_list, manifest, database, bodies_path, bodies, log) -> dict:
    """A server for each baseline an available scenario needs, checked to answer its first
    request with the body its floor serves."""
    servers, ready = {}, {}
    for scenario in scenario_list:
        if not scenario.available or scenario.server == "app":
            continue
        if scenario.server not in servers:
            target, _copied = BASELINE_SERVERS[scenario.server]
            server = Server(
                f"{database} {scenario.server}",
                target,
                {**app_environment(manifest, database), "BENCH_FLOOR_BODIES": str(bodies_path)},
                DATA_DIR / f"{scenario.server}-{database}.log",
                "/api/v1/healthcheck/ping",
            )
            servers[scenario.server] = server  # stopped with the others, ready or not
            try:
                server.wait_ready()
                ready[scenario.server] = True
            except RuntimeError as error:
                ready[scenario.server] = False
                log(f"{database} {scenario.server}: {error}")
        if not ready[scenario.server]:
            scenario.available, scenario.note = False, "not available: the baseline's server did not start"
            continue
        status, body = probe(servers[scenario.server], scenario)
        if status != 200 or body.decode(errors="replace") != bodies[scenario.name]["text"]:
            scenario.available = False
            scenario.note = f"not available: the baseline answered {status} ({len(body)} bytes)"
            log(f"{database} {scenario.name}: {scenario.note}")
    return servers


def environment() -> dict:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "loadAverageAtStart": os.getloadavg(),
        "gunicorn": (
            f"{WORKERS} workers, gthread, {THREADS} threads each, at most {WORKER_CONNECTIONS} "
            "connections each, keep-alive (product and floor)"
        ),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Benchmarks at council scale")
    parser.add_argument("--scale", default=os.environ.get("SCALE", "small"), choices=sorted(datagen.SCALES))
    parser.add_argument("--seed", type=int, default=datagen.DEFAULT_SEED)
    parser.add_argument(
        "--reuse",
        action="store_true",
        default=os.environ.get("BENCH_REUSE") == "1",
        help="reuse a data set already loaded with the same seed (migrations are applied)",
    )
    parser.add_argument("--databases", default=None, help="comma-separated: sqlite,postgresql")
    parser.add_argument("--only", default=None, help="comma-separated scenario names")
    parser.add_argument("--output", type=Path, default=RESULTS_DIR, help="folder for latest.json / latest.md")
    args = parser.parse_args(argv)

    def log(message):
        print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    databases = (
        args.databases.split(",")
        if args.databases
        else (["sqlite"] + (["postgresql"] if os.environ.get("BENCH_DATABASE_URL") else []))
    )
    if "postgresql" in databases and not os.environ.get("BENCH_DATABASE_URL"):
        parser.error("postgresql needs BENCH_DATABASE_URL")
    only = set(args.only.split(",")) if args.only else None
    started = time.perf_counter()
    report = {
        "scale": args.scale,
        "seed": args.seed,
        "counts": datagen.counts_for(args.scale),
        "startedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "environment": environment(),
        "timing": TIMINGS[args.scale],
        "databases": {},
    }
    manifests = prepare_databases(databases, args.scale, args.seed, args.reuse, log)
    for database in databases:
        report["databases"][database] = bench_database(database, manifests[database], args.scale, only, log)
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["loadAverageAtEnd"] = os.getloadavg()
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "latest.json").write_text(json.dumps(report, indent=2))
    from bench.report import markdown

    (args.output / "latest.md").write_text(markdown(report))
    log(f"report written to {args.output / 'latest.md'} ({report['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
