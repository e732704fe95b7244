"""Structured (JSON) log lines carrying each request's correlation id.

Request lines record method, route and status only: query strings and bodies can hold residents'
names and postcodes, so they never reach the log.
"""

import functools
import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, g, has_request_context, request

CORRELATION_HEADER = "x-correlation-id"
_SAFE_CORRELATION_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")

logger = logging.getLogger("housing_app.requests")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": _log_time(int(record.created)),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None) or {}
        if "correlationId" not in fields and has_request_context() and getattr(g, "correlation_id", None):
            line["correlationId"] = g.correlation_id
        line.update(fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


@functools.lru_cache(maxsize=4)
def _log_time(second: int) -> str:
    """The local time of a log line, to the second: made once a second, not once a line."""
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(second))


def configure_logging(app: Flask) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    package_logger = logging.getLogger("housing_app")
    package_logger.handlers = [handler]
    package_logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    package_logger.propagate = False
    app.logger.handlers = [handler]
    app.logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))


def init_correlation_ids(app: Flask) -> None:
    @app.before_request
    def assign_correlation_id():
        incoming = request.headers.get(CORRELATION_HEADER, "")
        g.correlation_id = incoming if _SAFE_CORRELATION_ID.match(incoming) else str(uuid.uuid4())
        g.request_started = time.perf_counter()

    @app.after_request
    def log_and_echo_correlation_id(response):
        correlation_id = getattr(g, "correlation_id", None) or str(uuid.uuid4())
        response.headers[CORRELATION_HEADER] = correlation_id
        if logger.isEnabledFor(logging.INFO):
            started = getattr(g, "request_started", None)
            fields = {
                "correlationId": correlation_id,
                "method": request.method,
                "route": request.url_rule.rule if request.url_rule else None,
                "status": response.status_code,
                "durationMs": round((time.perf_counter() - started) * 1000, 1) if started else None,
            }
            # Logger.info would look up the caller's file and line on every request (a good part
            # of the line's cost); the request line's origin is always this function.
            logger.handle(
                logger.makeRecord(
                    logger.name, logging.INFO, __file__, 0, "request", (), None, extra={"fields": fields}
                )
            )
        return response
