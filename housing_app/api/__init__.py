"""The JSON APIs: one flask-smorest blueprint per resource, all under /api/v1.

Shared rules for every endpoint live here: JSON bodies only (415 otherwise), a body size cap
(413), malformed JSON is a 400, and no CSRF (clients authenticate with bearer tokens).
"""

from flask import Flask, render_template, request
from werkzeug.exceptions import BadRequest

from housing_app.api.errors import ApiError
from housing_app.api.fields import ErrorsSchema, RFC3339Date, RFC3339DateTime
from housing_app.extensions import api, csrf

# Each resource module exposes `blp`; add new ones here.
BLUEPRINT_MODULES = [
    "housing_app.api.healthcheck",
    "housing_app.api.tenures",
    "housing_app.api.contracts",
    "housing_app.api.activities",
    "housing_app.api.processes",
    "housing_app.api.process_documents",
]


def register_blueprints(app: Flask) -> None:
    import importlib

    for module_name in BLUEPRINT_MODULES:
        blueprint = importlib.import_module(module_name).blp
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)


def init_api(app: Flask) -> None:
    api.ERROR_SCHEMA = ErrorsSchema  # document flask-smorest's default error responses in our format
    api.init_app(app)
    # Through flask-smorest: spec.plugins[0] is not always the marshmallow plugin.
    api.register_field(RFC3339DateTime, "string", "date-time")
    api.register_field(RFC3339Date, "string", "date-time")
    register_blueprints(app)

    @app.before_request
    def guard_api_request_bodies():
        if request.method in ("GET", "HEAD") or not request.path.startswith("/api/"):
            return None  # a read sends no body to check (and is the busiest call: return early)
        if request.routing_exception is not None:
            return None
        # A lower cap for JSON bodies than for officers' photo uploads.
        view = app.view_functions.get(request.endpoint)
        upload_limit = getattr(view, "upload_limit", None)  # a file upload, as multipart/form-data
        if upload_limit is not None:
            request.max_content_length = upload_limit()
            if request.mimetype != "multipart/form-data":
                raise ApiError(415, "Send the file as multipart/form-data, in a part named 'file'.")
            return None
        request.max_content_length = app.config["API_MAX_BODY_BYTES"]
        if request.method not in ("POST", "PUT", "PATCH"):
            return None
        if request.content_length and request.content_length > app.config["API_MAX_BODY_BYTES"]:
            raise ApiError(413, f"Request bodies are limited to {app.config['API_MAX_BODY_BYTES']} bytes.")
        if getattr(view, "takes_no_body", False) and not request.content_length and not request.mimetype:
            return None  # an action such as "submit": nothing to send
        if not request.is_json:
            raise ApiError(415, "Send the body as JSON with 'Content-Type: application/json'.")
        try:
            request.get_json()
        except (BadRequest, RecursionError):  # RecursionError: nested too deeply to decode
            raise ApiError(400, "The request body is not valid JSON.") from None
        return None

    @app.get("/api/docs")
    def api_docs():
        return render_template("api/docs.html")
