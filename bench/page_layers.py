"""Where a process page's time goes: the Python each layer of the request runs, with no HTTP.

    BENCH_FLOOR_BODIES=bodies.json python -m bench.page_layers spec.json   # prints JSON

Run by bench.run in the product's environment after the served scenarios, on the visit and the
signed-in session they used. The served report measures the process page and the static floor
through gunicorn and the load generator; their p50s share what serving adds to every response
(the socket, HTTP parsing, the load generator's turn). This measures, in one process, the WSGI
callables gunicorn calls, one layer more each time, round by round beside the floor:

1. the floor (bench.floor_app): bare Flask, the page from a static Jinja template;
2. the product's app answering with the page precomputed: its middleware (request log, security
   headers) and its session cookie opened, nobody signed in;
3. the same, signed in: Flask-Login and the officer's row read through their session's;
4. the signed-in baseline (bench.signed_in_bound): the visit's row read alongside and checked;
5. the process page itself: its layout, answers, form and template.

Each layer is the median of its calls (timed from the call to the response's last byte); the
difference between two layers is what the second adds. Called back to back, each call finds the
CPU's caches holding what the one before it left; served, other work (the load generator, the
server's other threads, other tenants of the host) runs between two requests. `--flush-mib N`
writes over N MiB of memory before each timed call, to see how much of each layer's time is
waiting on memory once that work has pushed its data out of the caches:

    BENCH_FLOOR_BODIES=bodies.json python -m bench.page_layers spec.json --flush-mib 16

The spec names the page's path, the baseline's path and the signed-in browser's headers; the
session cookie is kept from response to response, as a browser keeps it.
"""

import argparse
import io
import json
import statistics
import sys
import time
from pathlib import Path

from werkzeug.test import EnvironBuilder

LAYERS = (
    ("floor", "The floor: bare Flask, the page from a static Jinja template"),
    ("productApp", "The product's app, the page precomputed: middleware, session cookie, no sign-in check"),
    ("signedIn", "+ the sign-in check: Flask-Login and the officer's row through their session's"),
    ("signedInBound", "+ the visit's row read alongside and checked (the signed-in baseline)"),
    ("page", "+ the page itself: layout, answers, form and template (the process page)"),
)
PRODUCT_APP_PATH = "/bench/layers/product-app"
SIGNED_IN_PATH = "/bench/layers/signed-in"


class Caller:
    """Calls a WSGI app as gunicorn does, for one request, keeping the cookies it sets."""

    def __init__(self, wsgi_app, path: str, headers: dict):
        self.wsgi_app = wsgi_app
        builder = EnvironBuilder(path=path, headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"})
        self.environ = builder.get_environ()
        builder.close()
        self.environ.pop("wsgi.input", None)

    def __call__(self) -> int:
        """One request: its time in nanoseconds. A response other than 200 is an error."""
        environ = dict(self.environ, **{"wsgi.input": io.BytesIO()})
        answered = []

        def start_response(status, headers, _exc_info=None):
            answered.append(status)
            self.keep_cookies(headers)

        started = time.perf_counter_ns()
        body = self.wsgi_app(environ, start_response)
        try:
            for _chunk in body:
                pass
        finally:
            if hasattr(body, "close"):
                body.close()
        elapsed = time.perf_counter_ns() - started
        if not answered or not answered[0].startswith("200"):
            raise RuntimeError(f"{environ['PATH_INFO']} answered {answered[:1]}, not 200")
        return elapsed

    def keep_cookies(self, headers) -> None:
        for name, value in headers:
            if name.lower() != "set-cookie":
                continue
            cookie_name, cookie_value = value.split(";", 1)[0].split("=", 1)
            cookies = dict(
                part.split("=", 1) for part in self.environ.get("HTTP_COOKIE", "").split("; ") if "=" in part
            )
            cookies[cookie_name] = cookie_value
            self.environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in cookies.items())


def product_callers(spec: dict) -> dict:
    """The product's layers, served by one app: the signed-in baseline's, with two more routes."""
    from flask_login import login_required

    from bench import signed_in_bound

    app, page = signed_in_bound.app, signed_in_bound.load_bodies()[signed_in_bound.PAGE_SCENARIO]["text"]
    app.add_url_rule(PRODUCT_APP_PATH, "bench_layers_product_app", lambda: page)
    app.add_url_rule(SIGNED_IN_PATH, "bench_layers_signed_in", login_required(lambda: page))
    headers = spec["headers"]
    return {
        "productApp": Caller(app, PRODUCT_APP_PATH, headers),
        "signedIn": Caller(app, SIGNED_IN_PATH, headers),
        "signedInBound": Caller(app, spec["boundPath"], headers),
        "page": Caller(app, spec["pagePath"], headers),
    }


def floor_caller() -> Caller:
    from bench.floor_app import create_floor_app, load_bodies
    from bench.signed_in_bound import PAGE_SCENARIO

    return Caller(create_floor_app(load_bodies()), f"/floor/page/{PAGE_SCENARIO}", {})


class CacheFlush:
    """Writes one byte in every 64 (a cache line) over `mib` MiB, pushing earlier data out."""

    LINE = 64

    def __init__(self, mib: int):
        self.buffer = bytearray(mib * 1024 * 1024)
        self.lines = len(range(0, len(self.buffer), self.LINE))
        self.value = 0

    def __call__(self) -> None:
        self.value = (self.value + 1) % 256  # a new value each time: every line is written
        self.buffer[:: self.LINE] = bytes([self.value]) * self.lines


def measure(
    callers: dict, seconds: float, rounds: int, warmup_seconds: float, before_each=None
) -> list[dict]:
    """Each layer for `seconds` in all, split into rounds; the order turns round each round so a
    slow drift of the machine falls on every layer alike. `before_each`, if given, runs before
    every timed call, untimed (a CacheFlush)."""
    samples = {name: [] for name in callers}
    round_medians = {name: [] for name in callers}
    order = list(callers)
    for name in order:  # every layer's code and data warm before any is timed
        deadline = time.perf_counter() + warmup_seconds
        while time.perf_counter() < deadline:
            callers[name]()
    for round_index in range(rounds):
        for name in order if round_index % 2 == 0 else reversed(order):
            taken = []
            deadline = time.perf_counter() + seconds / rounds
            while time.perf_counter() < deadline:
                if before_each is not None:
                    before_each()
                taken.append(callers[name]())
            samples[name] += taken
            round_medians[name].append(round(statistics.median(taken) / 1000, 1))
    floor_p50 = statistics.median(samples["floor"])
    layers = []
    for name, title in LAYERS:
        taken = sorted(samples[name])
        p50 = statistics.median(taken)
        layers.append(
            {
                "name": name,
                "title": title,
                "calls": len(taken),
                "p50Us": round(p50 / 1000, 1),
                "p95Us": round(taken[int(0.95 * (len(taken) - 1))] / 1000, 1),
                "roundsP50Us": round_medians[name],
                "ratioToFloor": round(p50 / floor_p50, 3),
            }
        )
    return layers


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.page_layers")
    parser.add_argument("spec", type=Path)
    parser.add_argument("--flush-mib", type=int, default=0, help="MiB written over before each timed call")
    arguments = parser.parse_args(sys.argv[1:] if argv is None else argv)
    spec = json.loads(arguments.spec.read_text())
    callers = {"floor": floor_caller(), **product_callers(spec)}
    flush = CacheFlush(arguments.flush_mib) if arguments.flush_mib > 0 else None
    started = time.perf_counter()
    layers = measure(callers, spec["seconds"], spec["rounds"], spec["warmupSeconds"], before_each=flush)
    measured = {"layers": layers, "seconds": round(time.perf_counter() - started, 1)}
    if flush is not None:
        measured["flushMib"] = arguments.flush_mib
    print(json.dumps(measured))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
