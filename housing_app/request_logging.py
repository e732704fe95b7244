"""Structured (JSON) log lines carrying each request's correlation id.

Request lines record method, route and status only: query strings and bodies can hold residents'
names and postcodes, so they never reach the log.
"""

import functools
import json
import logging
import os
import re
import sys
import time
from json.encoder import encode_basestring_ascii as _json_text

from flask import Flask, has_request_context, request

CORRELATION_HEADER = "x-correlation-id"
_CORRELATION_ENVIRON_KEY = "HTTP_X_CORRELATION_ID"  # the request's header, as WSGI names it
_SAFE_CORRELATION_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")

logger = logging.getLogger("housing_app.requests")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        written = getattr(record, "json_line", None)
        if written is not None:
            return written  # a request line, written once in the same shape (request_line)
        line = {
            "time": _log_time(int(record.created)),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None) or {}
        if "correlationId" not in fields:
            request_id = correlation_id()
            if request_id:
                line["correlationId"] = request_id
        line.update(fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


@functools.lru_cache(maxsize=4)
def _log_time(second: int) -> str:
    """The local time of a log line, to the second: made once a second, not once a line."""
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(second))


_json_handler: logging.StreamHandler | None = None  # the handler configure_logging set up


def configure_logging(app: Flask) -> None:
    global _json_handler
    handler = _json_handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    package_logger = logging.getLogger("housing_app")
    package_logger.handlers = [handler]
    package_logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    package_logger.propagate = False
    app.logger.handlers = [handler]
    app.logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))


def new_correlation_id() -> str:
    """A random (version 4) UUID as text, as str(uuid.uuid4()) writes it, without making the UUID
    object on the way (a noticeable part of a short request's own Python)."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # RFC 4122 variant
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


CORRELATION_ID_KEY = "housing_app.correlation_id"  # in the WSGI environ


def correlation_id() -> str | None:
    """This request's correlation id (None outside a request)."""
    if not has_request_context():
        return None
    return request.environ.get(CORRELATION_ID_KEY)


def init_request_log(app: Flask) -> None:
    """Wrap the app so every response carries a correlation id and is logged once; call it
    last in create_app, so the duration covers every other layer."""
    app.wsgi_app = CorrelatedRequestLog(app.wsgi_app)


class CorrelatedRequestLog:
    """WSGI middleware: gives each request its correlation id (the caller's, when safe to
    echo), sends it back in the response's header and writes the request's log line.

    Done where the response starts rather than in Flask's request hooks: every response passes
    there (error pages too), and appending to the WSGI header list skips the hooks' `g` and
    `request` proxies and the checks of Flask's Headers (with the security headers, about 6%
    of a read by id in process).
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        incoming = environ.get(_CORRELATION_ENVIRON_KEY, "")
        request_id = incoming if _SAFE_CORRELATION_ID.match(incoming) else new_correlation_id()
        environ[CORRELATION_ID_KEY] = request_id

        def start_logged_response(status, headers, exc_info=None):
            if any(name.lower() == CORRELATION_HEADER for name, _value in headers):  # a view's own
                headers[:] = [header for header in headers if header[0].lower() != CORRELATION_HEADER]
            headers.append((CORRELATION_HEADER, request_id))
            if logger.isEnabledFor(logging.INFO):
                log_request(environ, request_id, int(status[:3]), started)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start_logged_response)


def log_request(environ: dict, request_id: str, status: int, started: float) -> None:
    """Write the request's line: method, route (the rule, never the path or query), status and
    duration."""
    flask_request = environ.get("werkzeug.request")  # the request Flask made, once routed
    rule = getattr(flask_request, "url_rule", None)
    fields = (
        request_id,
        environ.get("REQUEST_METHOD"),
        rule.rule if rule else None,
        status,
        round((time.perf_counter() - started) * 1000, 1),
    )
    line = request_line(time.time(), *fields)
    handler = _sole_handler()
    if handler is None or not _write(handler, line):
        # Logger.info would look up the caller's file and line on every request; the
        # request line's origin is always this function.
        record = logger.makeRecord(
            logger.name,
            logging.INFO,
            __file__,
            0,
            "request",
            (),
            None,
            extra={"fields": dict(zip(REQUEST_LINE_FIELDS, fields, strict=True))},
        )
        record.json_line = line
        logger.handle(record)


_REQUEST_LINE_START = ', "level": "INFO", "logger": "housing_app.requests", "message": "request", '


REQUEST_LINE_FIELDS = ("correlationId", "method", "route", "status", "durationMs")


def request_line(
    created: float,
    correlation_id: str,
    method: str,
    route: str | None,
    status: int,
    duration_ms: float | None,
) -> str:
    """JsonFormatter's line for a request record made at `created` whose fields are these (in
    REQUEST_LINE_FIELDS' order), written directly: the same text json.dumps gives, with the
    method and route, the same for every call of a route, encoded once."""
    return (
        '{"time": "'
        + _log_time(int(created))
        + '"'
        + _REQUEST_LINE_START
        + '"correlationId": '
        + _json_text(correlation_id)
        + _method_and_route(method, route)
        + ', "status": '
        + str(status)
        + ', "durationMs": '
        + ("null" if duration_ms is None else repr(duration_ms))
        + "}"
    )


@functools.lru_cache(maxsize=1024)
def _method_and_route(method: str, route: str | None) -> str:
    return ", " + json.dumps({"method": method, "route": route})[1:-1]


def _sole_handler() -> logging.StreamHandler | None:
    """The app's JSON handler when a request line goes there and nowhere else (as the app is
    served): the line is then written to its stream without a LogRecord, which costs more
    than the line itself. A handler or filter added anywhere on the way (tests, an operator's
    set-up) gets a record as usual."""
    handler = _json_handler
    parent = logger.parent
    if (
        handler is None
        or logger.handlers
        or logger.filters
        or not logger.propagate
        or parent.handlers != [handler]
        or parent.filters
        or handler.filters
        or handler.level > logging.INFO
    ):
        return None
    return handler


def _write(handler: logging.StreamHandler, line: str) -> bool:
    """Write the line as the handler's emit would; False if that failed (the caller then logs
    it the usual way, whose error handling reports the failure)."""
    handler.acquire()
    try:
        handler.stream.write(line + handler.terminator)
        handler.stream.flush()
        return True
    except Exception:  # noqa: BLE001 - a closed or broken stream: logging's own path reports it
        return False
    finally:
        handler.release()
