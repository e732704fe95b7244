"""Error pages: JSON in the standards' format under /api/, GOV.UK HTML pages elsewhere."""

import logging

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from housing_app.api.errors import ApiError, errors_response, http_exception_to_errors

logger = logging.getLogger("housing_app.errors")

HTML_TEMPLATES = {
    400: "errors/400.html",
    403: "errors/403.html",
    404: "errors/404.html",
    413: "errors/413.html",
    500: "errors/500.html",
}


def wants_json() -> bool:
    return request.path.startswith("/api/") and not request.path.startswith("/api/docs")


def init_error_handlers(app: Flask) -> None:
    # Registered after flask-smorest so these replace its app-wide HTTPException handler.
    @app.errorhandler(ApiError)
    def handle_api_error(exc: ApiError):
        return errors_response(exc.status, exc.errors)

    @app.errorhandler(CSRFError)
    def handle_csrf_error(exc: CSRFError):
        if wants_json():
            return errors_response(400, http_exception_to_errors(exc)[1])
        return render_template("errors/csrf.html"), 400

    @app.errorhandler(HTTPException)
    def handle_http_exception(exc: HTTPException):
        if wants_json():
            status, errors = http_exception_to_errors(exc)
            headers = {}
            if status == 401:
                headers["WWW-Authenticate"] = 'Bearer realm="housing_app"'
            return errors_response(status, errors, headers)
        status = exc.code or 500
        template = HTML_TEMPLATES.get(status, "errors/generic.html")
        return render_template(template, error=exc, status=status), status

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        logger.exception("unhandled error")
        if wants_json():
            return errors_response(500, http_exception_to_errors(InternalServerError())[1])
        return render_template("errors/500.html"), 500
