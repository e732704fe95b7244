import io
import json
import logging
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime

from flask import Flask

import housing_app
from housing_app import create_app
from housing_app.request_logging import JsonFormatter, new_correlation_id, request_line
from housing_app.security import init_security_headers
from tests.html import parse


def test_healthcheck_reports_a_reachable_database(client):
    response = client.get("/api/v1/healthcheck/ping")
    assert response.status_code == 200
    assert response.json == {"healthy": True, "database": "reachable"}


def test_healthcheck_reports_an_unreachable_database(tmp_path):
    app = create_app(
        {"ENVIRONMENT": "test", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/db.sqlite"}
    )
    response = app.test_client().get("/api/v1/healthcheck/ping")
    assert response.status_code == 503
    assert response.json["healthy"] is False


def test_correlation_id_is_echoed(client):
    response = client.get("/api/v1/healthcheck/ping", headers={"x-correlation-id": "abc-123"})
    assert response.headers["x-correlation-id"] == "abc-123"


def test_correlation_id_is_generated_when_missing_or_unsafe(client):
    generated = client.get("/api/v1/healthcheck/ping").headers["x-correlation-id"]
    assert uuid.UUID(generated)
    unsafe = client.get("/sign-in", headers={"x-correlation-id": "<script>" + "x" * 200})
    assert uuid.UUID(unsafe.headers["x-correlation-id"])


@contextmanager
def request_log_lines():
    """The JSON request log lines written inside the block (a list, filled on exit), as text."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("housing_app.requests")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    lines: list[str] = []
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        lines.extend(stream.getvalue().splitlines())


def test_generated_correlation_ids_are_random_version_4_uuids_as_uuid_writes_them():
    generated = [new_correlation_id() for _ in range(2000)]
    assert len(set(generated)) == len(generated)
    for text in generated:
        parsed = uuid.UUID(text)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
        assert str(parsed) == text  # lower case, dashes where uuid puts them


def test_log_lines_carry_the_correlation_id_and_no_query_string(client):
    with request_log_lines() as written:
        client.get("/sign-in?next=/tenures?lastName=Smith", headers={"x-correlation-id": "trace-42"})
    lines = [json.loads(line) for line in written]
    assert lines, "no request log line"
    assert lines[-1]["correlationId"] == "trace-42"
    assert lines[-1]["status"] == 200 and lines[-1]["route"] == "/sign-in"
    assert not any("Smith" in line for line in written)


def test_api_errors_are_json_in_the_standard_format(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    (error,) = response.json["errors"]
    assert set(error) == {"developerMessage", "userMessage"}
    assert client.post("/api/v1/healthcheck/ping").status_code == 405
    assert client.post("/api/v1/healthcheck/ping").json["errors"]


def test_web_errors_are_html_pages(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert parse(response).h1.text.strip() == "Page not found"


def test_security_headers(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "'unsafe-inline'" not in csp
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.get_data(as_text=True)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


def test_api_docs_page_uses_local_assets(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "/static/dist/swagger-ui/swagger-ui-bundle.js" in body
    assert client.get("/api/v1/openapi.json").json["openapi"].startswith("3.")


def test_unexpected_errors_leak_nothing(tmp_path):
    app = create_app({"ENVIRONMENT": "test", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})

    @app.get("/api/v1/explode")
    def explode_api():
        raise RuntimeError("secret internal detail")

    @app.get("/explode")
    def explode_page():
        raise RuntimeError("secret internal detail")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    api_response = client.get("/api/v1/explode")
    assert api_response.status_code == 500
    assert api_response.json["errors"][0]["userMessage"] == "Something went wrong. Try again later."
    assert "secret" not in api_response.get_data(as_text=True)
    page_response = client.get("/explode")
    assert page_response.status_code == 500
    assert "secret" not in page_response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in page_response.get_data(as_text=True)


def test_json_responses_carry_the_policy_without_a_nonce(client):
    response = client.get("/api/v1/healthcheck/ping")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "nonce-" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Cache-Control" not in response.headers  # only HTML pages are no-store by default


def test_each_page_gets_its_own_nonce(client):
    first, second = (client.get("/sign-in").headers["Content-Security-Policy"] for _ in range(2))
    assert "'nonce-" in first and first != second


def test_a_views_own_header_is_kept():
    """Photos set their own Cache-Control; the default must not replace or duplicate it."""
    app = Flask(__name__)
    init_security_headers(app)

    @app.get("/own")
    def own():
        return "x", 200, {"Cache-Control": "private, no-store", "X-Frame-Options": "SAMEORIGIN"}

    response = app.test_client().get("/own")
    assert response.headers.getlist("Cache-Control") == ["private, no-store"]
    assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]


def test_log_lines_have_a_time_to_the_second(client):
    with request_log_lines() as written:
        client.get("/api/v1/healthcheck/ping")
    line = json.loads(written[-1])
    logged = datetime.strptime(line["time"], "%Y-%m-%dT%H:%M:%S%z")
    assert abs((datetime.now(UTC) - logged).total_seconds()) < 60
    assert line["route"] == "/api/v1/healthcheck/ping" and line["status"] == 200


def test_sync_functions_run_as_they_are_and_async_ones_are_recognised(app):
    def plain():
        return "plain"

    async def coroutine():
        return "async"

    assert app.ensure_sync(plain) is plain
    assert housing_app._is_async(coroutine) and not housing_app._is_async(plain)


def test_a_request_line_is_written_as_the_json_formatter_writes_any_record():
    """The request line is built directly (housing_app.request_logging.request_line); it must
    stay the line JsonFormatter makes of the same record, key for key and byte for byte."""
    logger = logging.getLogger("housing_app.requests")
    fields = {
        "correlationId": "trace-42",
        "method": "GET",
        "route": '/api/v1/tenures/<uuid:tenure_id> "quoted"',
        "status": 200,
        "durationMs": 1.2,
    }
    record = logger.makeRecord(
        logger.name, logging.INFO, __file__, 0, "request", (), None, extra={"fields": fields}
    )

    written = request_line(record.created, *fields.values())

    assert written == JsonFormatter().format(record)
    assert json.loads(written)["route"] == fields["route"]
    record.json_line = written
    assert JsonFormatter().format(record) is written


def test_a_request_line_with_no_other_handler_is_written_straight_to_the_stream(app, client):
    """As served, the request line skips the LogRecord and goes to the app's JSON handler's
    stream: the same line the record would give."""
    from housing_app import request_logging

    handler = request_logging._json_handler
    package_logger = logging.getLogger("housing_app")
    captured_by_pytest = package_logger.handlers
    package_logger.handlers = [handler]  # as served: pytest's capture handlers set aside
    request_logger = logging.getLogger("housing_app.requests")
    old_level = request_logger.level
    request_logger.setLevel(logging.INFO)
    stream = io.StringIO()
    old_stream = handler.setStream(stream)
    try:
        assert request_logging._sole_handler() is handler
        client.get("/sign-in", headers={"x-correlation-id": "trace-direct"})
    finally:
        handler.setStream(old_stream)
        package_logger.handlers = captured_by_pytest
        request_logger.setLevel(old_level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines[-1]["correlationId"] == "trace-direct" and lines[-1]["route"] == "/sign-in"
    assert list(lines[-1]) == [
        "time",
        "level",
        "logger",
        "message",
        "correlationId",
        "method",
        "route",
        "status",
        "durationMs",
    ]
    with request_log_lines() as written:  # another handler: the usual record, the same line
        assert request_logging._sole_handler() is None
        client.get("/sign-in", headers={"x-correlation-id": "trace-record"})
    assert json.loads(written[-1])["correlationId"] == "trace-record"


def test_a_log_record_made_during_a_request_carries_its_correlation_id(tmp_path):
    app = create_app({"ENVIRONMENT": "test", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})

    @app.get("/api/v1/noted")
    def noted():
        logging.getLogger("housing_app.tests").warning("something to note")
        return {"ok": True}

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    noting_logger = logging.getLogger("housing_app.tests")
    noting_logger.addHandler(handler)
    try:
        response = app.test_client().get("/api/v1/noted", headers={"x-correlation-id": "trace-noted"})
    finally:
        noting_logger.removeHandler(handler)
    assert response.headers["x-correlation-id"] == "trace-noted"
    assert json.loads(stream.getvalue().splitlines()[-1])["correlationId"] == "trace-noted"


def test_a_failed_request_is_logged_and_carries_the_headers_like_any_other(tmp_path):
    app = create_app({"ENVIRONMENT": "test", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})

    @app.get("/explode")
    def explode_page():
        raise RuntimeError("secret internal detail")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    with request_log_lines() as written:
        response = app.test_client().get("/explode", headers={"x-correlation-id": "trace-500"})
    assert response.status_code == 500
    assert response.headers.getlist("x-correlation-id") == ["trace-500"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"  # an HTML error page
    assert "'nonce-" in response.headers["Content-Security-Policy"]  # the page's own script runs
    line = json.loads(written[-1])
    assert (line["correlationId"], line["route"], line["status"]) == ("trace-500", "/explode", 500)
    assert line["durationMs"] >= 0


def test_a_views_own_correlation_header_is_replaced_not_repeated(tmp_path):
    app = create_app({"ENVIRONMENT": "test", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})

    @app.get("/api/v1/own-id")
    def own_id():
        return {"ok": True}, 200, {"X-Correlation-Id": "made-by-the-view"}

    response = app.test_client().get("/api/v1/own-id", headers={"x-correlation-id": "trace-own"})
    assert response.headers.getlist("x-correlation-id") == ["trace-own"]
