"""API version 1: items as a plain JSON array. Deprecated: every answer says so, and links
to its v2 successor, so that clients can find out before v1 goes away."""

import data
from flask import Blueprint, abort, jsonify, request, url_for
from paging import page_args

bp = Blueprint("v1", __name__)

# When v1 was deprecated: 2026-01-01 00:00:00 UTC, in unix seconds (RFC 9745 wants a date).
DEPRECATED_SINCE = 1767225600


@bp.after_request
def announce_deprecation(response):
    """Runs after every request a v1 route handled, errors included."""
    response.headers["Deprecation"] = f"@{DEPRECATED_SINCE}"
    # Both blueprints name their views alike: v1.get_item -> v2.get_item.
    view = request.endpoint.rpartition(".")[2]
    successor = url_for(f"v2.{view}", **(request.view_args or {}))
    response.headers["Link"] = f'<{successor}>; rel="successor-version"'
    return response


@bp.get("/items")
def list_items():
    offset, limit = page_args()
    items, _ = data.page(offset, limit)
    return jsonify(items)


@bp.get("/items/<int:item_id>")
def get_item(item_id: int):
    item = data.get(item_id)
    if item is None:
        abort(404, description=f"There is no item with id {item_id}.")
    return jsonify(item)
