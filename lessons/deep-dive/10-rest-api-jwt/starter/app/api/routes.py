"""The API's views. JSON in, JSON out; errors in the shape of ``app/api/errors.py``."""

from flask import Blueprint

from app.extensions import csrf

bp = Blueprint("api", __name__)
csrf.exempt(bp)  # no cookies here: a bearer token cannot be sent by another site's form
# TODO (d10): errors.init_blueprint(bp), the JSON error handlers.

# TODO (d10): POST /tokens: {"email", "password"} -> {"access_token", "token_type":
# "Bearer", "expires_in": 900}; wrong credentials -> 401.
# TODO (d10): GET /posts?page=&per_page= (per_page 1 to 100, default 20; page 1 to
# 1,000,000; ASCII digits only; bad values 400), newest first, with total, page, per_page,
# pages and links {self, next, prev}.
# TODO (d10): GET /posts/<int:post_id>; POST /posts (token) -> 201 with Location;
# PATCH and DELETE /posts/<int:post_id> (the author only, else 403; DELETE -> 204). An id
# over 2147483647 (PostgreSQL's integer) is a 404 before any query.
# TODO (d10): GET /openapi.json -> openapi.document().
