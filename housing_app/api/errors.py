"""The standards' error format: {"errors": [{"developerMessage", "userMessage"}]}.

Raise ApiError anywhere under /api/ to answer with one or more errors and a status code.
"""

from flask import jsonify
from werkzeug.exceptions import HTTPException

from housing_app.api.fields import ErrorsSchema

USER_MESSAGES = {
    400: "The request could not be processed. Check the details and try again.",
    401: "You need to authenticate to use this API.",
    403: "You do not have permission to do this.",
    404: "The resource could not be found.",
    405: "This method is not allowed on this resource.",
    406: "The requested response format is not available.",
    409: "The record was changed by someone else. Reload it and try again.",
    412: "The record was changed by someone else. Reload it and try again.",
    413: "The request is too large.",
    415: "Send the request body as JSON.",
    422: "The request could not be processed. Check the details and try again.",
    428: "Read the record first and send its ETag in If-Match.",
    429: "Too many requests. Try again later.",
    500: "Something went wrong. Try again later.",
}


def error_item(developer_message: str, user_message: str | None = None, status: int = 400):
    return {
        "developerMessage": developer_message,
        "userMessage": user_message or USER_MESSAGES.get(status, USER_MESSAGES[500]),
    }


class ApiError(Exception):
    def __init__(self, status: int, developer_message: str | list, user_message: str | None = None):
        super().__init__(developer_message)
        self.status = status
        if isinstance(developer_message, list):
            self.errors = [
                e if isinstance(e, dict) else error_item(e, user_message, status) for e in developer_message
            ]
        else:
            self.errors = [error_item(developer_message, user_message, status)]


def errors_response(status: int, errors: list[dict], headers=None):
    response = jsonify({"errors": errors})
    response.status_code = status
    if status == 401:  # RFC 6750: say which scheme to use
        response.headers["WWW-Authenticate"] = 'Bearer realm="housing_app"'
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def flatten_validation_messages(messages, prefix="") -> list[str]:
    """Turn marshmallow/webargs nested messages into 'field.path: message' lines."""
    lines = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key in ("json", "query", "querystring", "headers", "path", "view_args", "form"):
                lines.extend(flatten_validation_messages(value, prefix))
                continue
            path = f"{prefix}.{key}" if prefix else str(key)
            lines.extend(flatten_validation_messages(value, path))
    elif isinstance(messages, list | tuple):
        for value in messages:
            lines.extend(flatten_validation_messages(value, prefix))
    else:
        lines.append(f"{prefix}: {messages}" if prefix else str(messages))
    return lines


def http_exception_to_errors(exc: HTTPException) -> tuple[int, list[dict]]:
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages")
    if messages:
        # webargs / marshmallow validation failures: one error per problem, all in one 400.
        lines = flatten_validation_messages(messages)
        return 400, [error_item(line, line, 400) for line in lines]
    if status == 422:
        status = 400
    developer = exc.description or exc.name
    return status, [error_item(developer, status=status)]


def error_example(status: int, developer_message: str) -> dict:
    """An example error body for the OpenAPI document."""
    return {"errors": [error_item(developer_message, status=status)]}


def document_errors(blp, errors: dict[int, tuple[str, str]]):
    """Document a view's error responses, each with an example body:
    `errors` maps a status to (when it happens, an example developerMessage)."""

    def decorator(view):
        for status, (description, developer_message) in sorted(errors.items(), reverse=True):
            view = blp.alt_response(
                status,
                schema=ErrorsSchema,
                description=description,
                example=error_example(status, developer_message),
            )(view)
        return view

    return decorator
