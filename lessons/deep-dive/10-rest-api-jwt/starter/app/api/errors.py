"""Every API error has one shape: ``{"error": "<code>", "message": "<text>"}``, plus
``"fields"`` for a validation error, so a client can branch on ``error``."""

# TODO (d10): CODES, from status to code: 400 bad_request, 401 unauthorized, 403 forbidden,
# 404 not_found, 405 method_not_allowed, 415 unsupported_media_type, 422 validation_error.
# TODO (d10): ApiError(HTTPException) with a code, a message and optional fields;
# error_response(error) -> (body, status, headers), WWW-Authenticate: Bearer on a 401;
# init_blueprint(bp) registering error_response for each code on the api blueprint;
# is_api_request() for the app-wide 404 and 405 handlers in app/main/routes.py.
