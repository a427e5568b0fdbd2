"""One error shape for the whole API: ``{"error": "<code>", "message": "<text>"}`` (plus
``"fields"`` for a validation error)."""

from flask import request
from werkzeug.exceptions import HTTPException

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    415: "unsupported_media_type",
    422: "validation_error",
    500: "internal_error",
}


class ApiError(HTTPException):
    """An error a view raises on purpose, with its own message (and fields)."""

    def __init__(self, code, message, fields=None):
        super().__init__(message)
        self.code = code
        self.fields = fields


def error_response(error):
    code = error.code or 500
    body = {"error": CODES.get(code, "error"), "message": error.description}
    if getattr(error, "fields", None):
        body["fields"] = error.fields
    headers = {}
    if code == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    if code == 405 and not isinstance(error, ApiError):
        headers["Allow"] = error.get_response().headers.get("Allow", "")
    return body, code, headers


def wants_api(error):
    """App-wide 404 and 405 (unknown URLs never reach the blueprint): JSON under /api/."""
    if request.path.startswith("/api/"):
        return error_response(error)
    return error


def json_object():
    """The request body as a JSON object, or the API error that says why it is not one."""
    if request.mimetype != "application/json":
        raise ApiError(415, "Send the body as application/json")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "The body must be a JSON object")
    return data
