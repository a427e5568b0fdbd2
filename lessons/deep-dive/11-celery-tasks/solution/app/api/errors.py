"""Every API error has one shape: ``{"error": "<code>", "message": "<text>"}``, plus
``"fields"`` for a validation error, so a client can branch on ``error``."""

from flask import request
from werkzeug.exceptions import HTTPException

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
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


def is_api_request():
    return request.path.startswith("/api/")


def error_response(error):
    """The JSON answer for an HTTPException (or an ApiError)."""
    code = error.code or 500
    body = {"error": CODES.get(code, "error"), "message": error.description}
    if getattr(error, "fields", None):
        body["fields"] = error.fields
    response = error.get_response() if not isinstance(error, ApiError) else None
    headers = {}
    if response is not None and "Allow" in response.headers:
        headers["Allow"] = response.headers["Allow"]
    if code == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return body, code, headers


def init_blueprint(bp):
    """Register the JSON handlers for every error raised in an API view."""
    for code in CODES:
        bp.register_error_handler(code, error_response)
    bp.register_error_handler(ApiError, error_response)
