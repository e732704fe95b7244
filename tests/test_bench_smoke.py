"""`make bench SCALE=small` end to end, on this run's database: data set, gunicorn servers, load
generator, report. Speed targets are not asserted here (they belong in the report); the run must
complete, every available scenario must be measured against its floor, and nothing may fail."""

import itertools
import json
import os
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from bench import datagen, load
from bench import run as bench_run
from bench.load import merge, percentile, summarise
from bench.page_layers import LAYERS, CacheFlush, Caller, measure
from bench.process_scenarios import FormFields
from bench.report import spread_text
from bench.targets import evaluate
from housing_app.models.tenures import link_name_keys
from tests.conftest import drop_postgres_schema

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RATIOS = ("throughput", "latencyP50", "latencyP95", "latencyP99", "peakWorkerMemory")


@pytest.mark.slow
def test_make_bench_small_writes_a_report_with_every_scenario_against_its_floor(database, tmp_path):
    name, url, _options = database
    env = {**os.environ, "BENCH_DATA_DIR": str(tmp_path / "data"), "SCALE": "small"}
    env.pop("BENCH_DATABASE_URL", None)
    schema = None
    if name == "postgresql":
        schema = f"bench_smoke_{os.getpid()}_{secrets.token_hex(3)}"
        env.update(BENCH_DATABASE_URL=url, BENCH_PG_SCHEMA=schema)
    output = tmp_path / "results"
    try:
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.run",
                "--scale",
                "small",
                "--databases",
                name,
                "--output",
                str(output),
            ],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=170,
        )
    finally:
        if schema:
            drop_postgres_schema(url, schema)
    assert completed.returncode == 0, completed.stderr[-3000:]

    report = json.loads((output / "latest.json").read_text())
    markdown = (output / "latest.md").read_text()
    result = report["databases"][name]
    assert result["load"]["rows"]["tenures"] == datagen.SCALES["small"]["tenures"]
    assert result["load"]["rowsPerSecond"] > 0

    scenarios = result["scenarios"]
    available = {key: entry for key, entry in scenarios.items() if entry["available"]}
    assert "healthcheck" in available, scenarios.get("healthcheck")
    # The signed-in baseline runs wherever the process page does, and serves the same page.
    assert "process_page_render" in available, scenarios.get("process_page_render")
    bound = available.get("process_page_signed_in_bound")
    assert bound is not None, scenarios.get("process_page_signed_in_bound")
    assert bound["responseBytes"] == available["process_page_render"]["responseBytes"] > 0
    for key, entry in scenarios.items():
        assert entry["title"] in markdown, key
        if not entry["available"]:
            assert entry["note"].startswith("not available"), (key, entry["note"])
            continue
        if entry["kind"] == "pdf":
            assert entry["seconds"] > 0 and entry["peakMemoryMb"] > 0, key
            continue
        for ratio in RATIOS:
            value = entry["ratios"][ratio]
            assert isinstance(value, float) and value > 0, (key, ratio, value)
        for phase in ("latency", "throughput"):
            measured = entry["app"][phase]
            assert measured["requests"] > 0, (key, phase)
            assert measured["errors"] == {}, (key, phase, measured["errors"])
            bad = {status: n for status, n in measured["statuses"].items() if int(status) >= 400}
            assert bad == {}, (key, phase, bad)
        assert entry["floor"]["throughput"]["throughput"] > 0
        for side in ("app", "floor"):  # whose CPU each response cost, measured in the same windows
            used = entry[side]["throughput"]["cpuSeconds"]
            assert used["workers"] > 0 and used["loadGenerator"] > 0, (key, side, used)
            assert used["database"] >= 0, (key, side, used)
        rounds = entry["ratios"]["throughputRounds"]
        assert len(rounds) == entry["app"]["throughput"]["rounds"] and all(r > 0 for r in rounds), key
    assert "Where the CPU goes" in markdown and "| Health check" in markdown.split("Where the CPU goes")[1]
    # The process page's Python layer by layer, each beside the floor measured in the same run.
    layers = result["pageLayers"]["layers"]
    assert [layer["name"] for layer in layers] == [name for name, _title in LAYERS]
    assert all(layer["calls"] > 0 and layer["p50Us"] > 0 for layer in layers), layers
    assert layers[0]["ratioToFloor"] == 1.0 and layers[-1]["ratioToFloor"] > 1, layers
    assert "layer by layer" in markdown and layers[-1]["title"] in markdown
    assert "If it added the same to every response" in markdown and "--flush-mib" in markdown
    for item in result["targets"]:
        assert item["status"] in ("met", "missed", "not measured")
        if item["status"] != "not measured":
            assert item["detail"] in markdown


def test_the_data_set_is_the_same_for_the_same_seed_and_differs_for_another():
    def first_rows(seed):
        data = datagen.DataSet({"tenures": 30, "contracts": 10, "activities": 40}, seed)
        ((tenures, members, name_keys),) = list(data.tenure_chunks())
        return [t["id"] for t in tenures], [m["full_name"] for m in members], data.probes, name_keys

    assert first_rows(7) == first_rows(7)
    assert first_rows(7)[0] != first_rows(8)[0]
    ids, names, probes, name_keys = first_rows(7)
    assert len(ids) == 30 and len(names) >= 30
    assert probes["deepSearch"]["count"] >= 1
    # Every member's last-name search keys come with the rows, as the product would make them.
    assert {(k["tenure_id"], k["name_key"]) for k in name_keys} >= {
        (m["tenure_id"], m["search_last_name"]) for m in first_members(7)
    }
    # Linked as the product links them (HouseholdMemberNameKey.previous_key).
    relinked = link_name_keys([{**k, "previous_key": "?"} for k in name_keys])
    assert [k["previous_key"] for k in relinked] == [k["previous_key"] for k in name_keys]
    assert any(k["previous_key"] for k in name_keys)


def first_members(seed):
    ((_tenures, members, _keys),) = list(
        datagen.DataSet({"tenures": 30, "contracts": 10, "activities": 40}, seed).tenure_chunks()
    )
    return members


def test_percentiles_pick_the_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.50) == 50.0
    assert percentile(values, 0.95) == 95.0
    assert percentile(values, 0.99) == 99.0
    assert percentile([3.0], 0.99) == 3.0


def test_rounds_merge_into_one_measurement():
    """A phase measured in rounds (alternating product and floor) is reported as one run: counts
    added, throughput over the rounds' seconds together, percentiles of every latency."""
    first = summarise([0.001] * 90, 1.0, {"200": 90}, {}, body_bytes=900, ok=90)
    first["latenciesUs"] = [1000] * 90
    second = summarise([0.010] * 10, 1.0, {"200": 8, "500": 2}, {"ConnectionError": 1}, body_bytes=300, ok=8)
    second["latenciesUs"] = [10000] * 10
    merged = merge([first, second])
    assert merged["requests"] == 100 and merged["okRequests"] == 98 and merged["rounds"] == 2
    assert merged["statuses"] == {"200": 98, "500": 2}
    assert merged["errors"] == {"ConnectionError": 1}
    assert merged["throughput"] == 50.0  # 100 requests in 2 s
    assert merged["meanBodyBytes"] == 12
    assert merged["latencyMs"]["p50"] == 1.0 and merged["latencyMs"]["p95"] == 10.0
    assert merged["roundThroughputs"] == [90.0, 10.0]


def test_each_rounds_throughput_is_compared_with_the_floors_round_beside_it():
    """The merged ratio is the verdict; the rounds' own ratios show how far the machine let it
    wander, in the report's cell and in the by-id target's basis."""

    def phase(requests_per_round):
        runs = []
        for requests in requests_per_round:
            run_result = summarise([0.001] * requests, 1.0, {"200": requests}, {}, body_bytes=0, ok=requests)
            run_result["latenciesUs"] = [1000] * requests
            runs.append(run_result)
        return merge(runs)

    app = {"latency": phase([10]), "throughput": phase([45, 60, 50]), "peakWorkerMemoryMb": 80.0}
    floor = {"latency": phase([20]), "throughput": phase([100, 100, 90]), "peakWorkerMemoryMb": 20.0}
    ratios = bench_run.compare(app, floor)
    assert ratios["throughput"] == 0.534  # 155 requests against 290 over the same three seconds
    assert ratios["throughputRounds"] == [0.45, 0.6, 0.556]
    assert spread_text(ratios["throughputRounds"]) == " (rounds 0.45-0.60x)"
    assert spread_text([0.5]) == ""  # one round: nothing to spread
    results = {
        "tenure_by_id": {
            "title": "Tenure by id",
            "available": True,
            "app": app,
            "floor": floor,
            "ratios": ratios,
        }
    }
    (by_id,) = [item for item in evaluate(results, "full") if item["target"].startswith("Tenure by id")]
    assert by_id["status"] == "met" and "(rounds 0.45-0.60x)" in by_id["basis"]


def test_the_load_generator_keeps_the_cookies_responses_set_as_a_browser_does(tmp_path, monkeypatch):
    """A session cookie the server re-signs is sent from then on, in place of the old one (else
    every later request would carry the stale cookie and be re-signed again)."""
    seen = []

    def app(environ, start_response):
        cookie = environ.get("HTTP_COOKIE", "")
        seen.append(cookie)
        headers = [("Content-Type", "text/plain"), ("Content-Length", "2")]
        if "session=old" in cookie:
            headers.append(("Set-Cookie", "session=new; HttpOnly; Path=/; SameSite=Lax"))
        start_response("200 OK", headers)
        return [b"ok"]

    request = {"method": "GET", "path": "/", "headers": {"Cookie": "theme=dark; session=old"}}
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    spec = {"port": server.server_port, "concurrency": 1, "warmup": 0, "duration": 0.3, "requests": [request]}
    monkeypatch.setattr(bench_run, "DATA_DIR", tmp_path)  # where run_load writes the spec
    try:
        result = bench_run.run_load(spec)  # in its own process, as the bench runs it
    finally:
        server.shutdown()
    assert result["okRequests"] >= 3
    assert seen[0] == "theme=dark; session=old"
    assert set(seen[1:]) == {"theme=dark; session=new"}  # the other cookie kept as it was


def test_warm_up_lasts_until_each_caller_has_had_its_first_response(tmp_path, monkeypatch):
    """A worker's first page can take longer than a smoke run's whole measured window; the
    phase must still measure the warm responses after it, and not the cold one."""
    answered = []

    def app(environ, start_response):
        if not answered:
            time.sleep(0.6)  # the cold first response: longer than warm-up and window together
        answered.append(1)
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    spec = {"port": server.server_port, "concurrency": 1, "warmup": 0.05, "duration": 0.3}
    spec["requests"] = [{"method": "GET", "path": "/"}]
    monkeypatch.setattr(bench_run, "DATA_DIR", tmp_path)
    try:
        result = bench_run.run_load(spec)
    finally:
        server.shutdown()
    assert result["requests"] >= 3, result
    assert result["latencyMs"]["max"] < 500, result["latencyMs"]  # the cold response is not in it


def test_a_cookie_is_replaced_only_where_a_request_sends_it():
    assert load.cookie_set("session=abc.def; Expires=Sat, 05 Dec 2026; HttpOnly") == ("session", "abc.def")
    assert load.with_cookie("a=1; session=old", "session", "new") == "a=1; session=new"
    assert load.with_cookie("a=1", "session", "new") is None
    assert load.with_cookie("", "session", "new") is None


def test_the_save_scenario_sends_two_sets_of_answers_that_differ_in_every_answer():
    """Saving the same answers again writes nothing; the two sets make every save a real one."""
    html = """<form method="post">
      <input type="hidden" name="csrf_token" value="t">
      <input type="text" name="name">
      <input type="text" inputmode="numeric" name="born-day">
      <input type="text" inputmode="numeric" name="born-year">
      <input type="radio" name="present" value="yes"><input type="radio" name="present" value="no">
      <input type="checkbox" name="needs" value="a"><input type="checkbox" name="needs" value="b">
      <select name="tenure"><option value="">Select</option><option value="x">X</option>
        <option value="y">Y</option></select>
      <textarea name="notes"></textarea>
    </form>"""
    first, changed = FormFields(), FormFields(changed=True)
    first.feed(html)
    changed.feed(html)
    assert first.fields["csrf_token"] == changed.fields["csrf_token"] == ["t"]
    assert first.fields["present"] == ["yes"] and changed.fields["present"] == ["no"]
    assert first.fields["needs"] == ["a"] and changed.fields["needs"] == ["b"]
    assert first.fields["tenure"] == ["x"] and changed.fields["tenure"] == ["y"]
    assert first.fields["born-day"] == ["12"] and changed.fields["born-day"] == ["13"]
    answers = set(first.fields) - {"csrf_token"}
    assert answers == set(changed.fields) - {"csrf_token"}
    assert all(first.fields[name] != changed.fields[name] for name in answers)
    assert first.controls == changed.controls == 10  # the hidden token counts too


def test_the_page_layers_caller_keeps_the_cookies_responses_set_as_a_browser_would():
    from flask import Flask, request

    app = Flask(__name__)

    @app.get("/")
    def answer():
        response = app.make_response(request.cookies.get("session", "none"))
        response.set_cookie("session", "signed-again")
        return response

    @app.get("/missing")
    def missing():
        return "no", 404

    caller = Caller(app, "/", {"Cookie": "theme=dark; session=first", "User-Agent": "bench"})
    assert caller() > 0
    assert caller.environ["HTTP_COOKIE"] == "theme=dark; session=signed-again"
    with pytest.raises(RuntimeError, match="answered"):
        Caller(app, "/missing", {})()


def test_the_cache_flush_writes_a_new_value_in_every_cache_line_each_time():
    flush = CacheFlush(1)
    flush()
    first = bytes(flush.buffer[:: CacheFlush.LINE])
    flush()
    second = bytes(flush.buffer[:: CacheFlush.LINE])
    assert len(first) == 1024 * 1024 // CacheFlush.LINE
    assert len(set(first)) == len(set(second)) == 1 and first != second


def test_the_layers_run_the_flush_before_every_timed_call_and_only_then():
    calls = {name: 0 for name, _title in LAYERS}
    flushed_before = []

    def caller_for(name):
        def call():
            calls[name] += 1
            return 1000 * (list(calls).index(name) + 1)  # ns: each layer slower than the last

        return call

    callers = {name: caller_for(name) for name in calls}

    def before_each():
        flushed_before.append(sum(calls.values()))

    measured = measure(callers, seconds=0.05, rounds=2, warmup_seconds=0.01, before_each=before_each)
    timed = sum(layer["calls"] for layer in measured)
    assert timed == len(flushed_before) > 0  # once per timed call, none while warming up
    # Exactly one call between two flushes: each flush comes just before a call of its own.
    assert all(later - earlier == 1 for earlier, later in itertools.pairwise(flushed_before))
    assert [layer["ratioToFloor"] for layer in measured] == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_postgresql_is_read_into_memory_when_pg_prewarm_lives_in_another_schema(postgres_url):
    # `make bench SCALE=small` creates the extension in the small data set's schema; a full run
    # after it, on the same database, must still find it (it once measured cold for want of it).
    import sqlalchemy as sa

    suffix = f"{os.getpid()}_{secrets.token_hex(3)}"
    home, data = f"prewarm_home_{suffix}", f"prewarm_data_{suffix}"
    engine = sa.create_engine(postgres_url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("DROP EXTENSION IF EXISTS pg_prewarm"))
            connection.execute(sa.text(f'CREATE SCHEMA "{home}"'))
            connection.execute(sa.text(f'CREATE SCHEMA "{data}"'))
            connection.execute(sa.text(f'CREATE EXTENSION pg_prewarm SCHEMA "{home}"'))
            connection.execute(sa.text(f'CREATE TABLE "{data}".rows AS SELECT generate_series(1, 5000) AS n'))
        warm = bench_run.warm_data_set({"url": datagen.sqlalchemy_postgres_url(postgres_url, data)})
        assert "warmNote" not in warm, warm
        assert warm["warmedBytes"] >= 5000 * 4, warm
    finally:
        engine.dispose()
        drop_postgres_schema(postgres_url, home)
        drop_postgres_schema(postgres_url, data)


def burn_cpu_seconds(seconds: float) -> subprocess.Popen:
    """A child process that spins on the CPU for `seconds`, then exits."""
    code = f"import time\nend = time.process_time() + {seconds}\nwhile time.process_time() < end: pass\n"
    return subprocess.Popen([sys.executable, "-c", code])


def test_processes_are_found_by_their_command_name():
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        assert sleeper.pid in load.processes_named("sleep")
        assert sleeper.pid not in load.processes_named("postgres")
    finally:
        sleeper.kill()
        sleeper.wait()


def test_the_cpu_meter_counts_what_each_process_spent_between_start_and_stop():
    """Workers' and the database's CPU from /proc, and the load generator's own; a process that
    has gone by the end counts what /proc last showed of it (nothing), never a negative."""
    worker = burn_cpu_seconds(0.4)
    sleeper = subprocess.Popen(["sleep", "30"])  # the "database": named, idle
    try:
        meter = load.CpuMeter({"workers": [worker.pid], "databaseProcess": "sleep"})
        meter.start()
        assert sleeper.pid in meter.database
        own_end = time.process_time() + 0.1
        while time.process_time() < own_end:
            pass
        time.sleep(0.2)
        meter.stop()
    finally:
        worker.kill()
        sleeper.kill()
        worker.wait()
        sleeper.wait()
    assert 0.05 <= meter.used["workers"] <= 0.6, meter.used
    assert meter.used["database"] < 0.05, meter.used
    assert 0.09 <= meter.used["loadGenerator"] < 0.5, meter.used
    assert load.process_cpu_seconds(worker.pid) == 0.0  # reaped: no /proc entry


def test_the_load_generator_reports_the_cpu_spent_in_its_measured_window(tmp_path, monkeypatch):
    """The spec's cpuOf names the server's workers (here this test's own process, whose thread
    answers) and the database's process name; the result says what each spent per window."""

    def app(environ, start_response):
        end = time.thread_time() + 0.002  # each response costs the "worker" 2 ms of CPU
        while time.thread_time() < end:
            pass
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    spec = {
        "port": server.server_port,
        "concurrency": 2,
        "warmup": 0.05,
        "duration": 0.4,
        "requests": [{"method": "GET", "path": "/"}],
        "cpuOf": {"workers": [os.getpid()], "databaseProcess": None},
    }
    monkeypatch.setattr(bench_run, "DATA_DIR", tmp_path)
    try:
        result = bench_run.run_load(spec)
    finally:
        server.shutdown()
    used = result["cpuSeconds"]
    assert used["database"] == 0.0  # no database process named
    assert used["loadGenerator"] > 0
    # At least 2 ms for each measured response, not much more than the whole window.
    assert result["requests"] * 0.002 * 0.9 <= used["workers"] <= 0.4 * 2 + 0.1, (result["requests"], used)


def test_rounds_add_up_their_cpu_and_the_report_shows_it_per_response():
    from bench.report import cpu_lines, cpu_per_response

    def phase(requests, cpu):
        run_result = summarise([0.001] * requests, 1.0, {"200": requests}, {}, body_bytes=0, ok=requests)
        run_result["latenciesUs"] = [1000] * requests
        run_result["cpuSeconds"] = cpu
        return run_result

    app = merge(
        [
            phase(1000, {"workers": 0.5, "database": 0.1, "loadGenerator": 0.1}),
            phase(1000, {"workers": 0.7, "database": 0.1, "loadGenerator": 0.1}),
        ]
    )
    assert app["cpuSeconds"] == {"workers": 1.2, "database": 0.2, "loadGenerator": 0.2}
    floor = merge([phase(2000, {"workers": 0.6, "database": 0.0, "loadGenerator": 0.2})] * 2)
    per = cpu_per_response(app)
    assert per == pytest.approx({"workers": 600.0, "database": 100.0, "loadGenerator": 100.0, "total": 800.0})
    unmetered = phase(10, {})  # a round without the meter: the phase has no CPU figure at all
    del unmetered["cpuSeconds"]
    metered = phase(10, {"workers": 0.1, "database": 0, "loadGenerator": 0})
    assert "cpuSeconds" not in merge([metered, unmetered])
    app_phases = {"latency": merge([metered]), "throughput": app, "peakWorkerMemoryMb": 80.0}
    floor_phases = {"latency": merge([metered]), "throughput": floor, "peakWorkerMemoryMb": 20.0}
    result = {
        "scenarios": {
            "tenure_by_id": {
                "title": "Tenure by id",
                "kind": "api",
                "available": True,
                "app": app_phases,
                "floor": floor_phases,
                "ratios": bench_run.compare(app_phases, floor_phases),
            }
        }
    }
    checks = evaluate(result["scenarios"], "full")
    (by_id,) = [item for item in checks if item["target"].startswith("Tenure by")]
    assert by_id["basis"].endswith(
        "; CPU per response: product 800 µs (workers 600, database server 100, load generator 100), "
        "floor 400 µs (workers 300)"
    ), by_id["basis"]
    lines = cpu_lines(result, cpus=2)
    row = next(line for line in lines if line.startswith("| Tenure by id"))
    # product 600 + 100 + 100 = 800 µs; floor 300 + 0 + 100 = 400 µs; 400 / 800 = 0.50x
    assert row == "| Tenure by id (`tenure_by_id`) | 600 | 100 | 100 | 800 | 300 | 0 | 100 | 400 | 0.50x |"
    assert cpu_lines({"scenarios": {}}, cpus=2) == []


@pytest.mark.parametrize(
    ("url", "process"),
    [
        ("sqlite:////tmp/bench.db", None),
        ("postgresql+psycopg://postgres@127.0.0.1:5432/bench?options=-csearch_path%3Dbench_full", "postgres"),
        ("postgresql+psycopg://postgres@localhost/bench", "postgres"),
        ("postgresql+psycopg://postgres@/bench?host=/var/run/postgresql", "postgres"),
        ("postgresql+psycopg://postgres@db.council.example:5432/bench", None),
    ],
)
def test_the_database_servers_cpu_is_measured_only_when_it_runs_on_this_machine(url, process):
    assert bench_run.local_database_process({"url": url}) == process
