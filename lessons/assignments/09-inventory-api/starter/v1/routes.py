"""API version 1: items as a plain JSON array. Deprecated: every answer says so, and links
to its v2 successor, so that clients can find out before v1 goes away."""

import data  # noqa: F401  (the shared inventory: data.page(), data.get())
from flask import Blueprint, jsonify
from paging import page_args  # noqa: F401

bp = Blueprint("v1", __name__)

# When v1 was deprecated: 2026-01-01 00:00:00 UTC, in unix seconds (RFC 9745 wants a date).
DEPRECATED_SINCE = 1767225600


def not_implemented(what: str):
    """What every route answers until you write it."""
    return jsonify(error=f"Not implemented yet: {what}"), 501


@bp.after_request
def announce_deprecation(response):
    """Runs after every request a v1 route handled, errors included."""
    # TODO: set response.headers["Deprecation"] to "@" + DEPRECATED_SINCE, and
    #   response.headers["Link"] to '<successor>; rel="successor-version"', where successor is
    #   the same URL in v2 (hint: url_for("v2." + the view's name, **request.view_args)).
    return response


@bp.get("/items")
def list_items():
    # TODO: offset, limit = page_args(); answer the page's items as a plain JSON array.
    return not_implemented("GET /v1/items")


@bp.get("/items/<int:item_id>")
def get_item(item_id: int):
    # TODO: answer the item, or abort(404) when data.get(item_id) is None.
    return not_implemented("GET /v1/items/<id>")
