"""API version 2: pages with their metadata, a category filter, and items that can be
created and changed."""

import data  # noqa: F401  (the shared inventory: data.page(), get(), add(), update())
from flask import Blueprint, jsonify
from paging import page_args  # noqa: F401

bp = Blueprint("v2", __name__)

NAME_MAX = 100
CHANGEABLE = {"quantity", "price"}


def not_implemented(what: str):
    """What every route answers until you write it."""
    return jsonify(error=f"Not implemented yet: {what}"), 501


@bp.get("/items")
def list_items():
    # TODO: offset, limit = page_args(); category = request.args.get("category");
    #   items, total = data.page(offset, limit, category); answer
    #   {"items", "total", "offset", "limit", "has_more"} (has_more: items remain after it).
    return not_implemented("GET /v2/items")


@bp.get("/items/<int:item_id>")
def get_item(item_id: int):
    # TODO: answer the item, or abort(404) when data.get(item_id) is None.
    return not_implemented("GET /v2/items/<id>")


@bp.post("/items")
def create_item():
    # TODO: read the JSON object; validate name (1-100 characters once stripped), category
    #   (one of data.CATEGORIES), quantity (an int, not a bool, >= 0) and price (a number,
    #   not a bool, finite, >= 0, at most two decimals); abort(400) at the first bad one.
    #   Then item = data.add(...) and answer 201 with a Location header to the new item.
    return not_implemented("POST /v2/items")


@bp.patch("/items/<int:item_id>")
def update_item(item_id: int):
    # TODO: the body may hold "quantity" and/or "price" and nothing else (else 400); validate
    #   them as in POST before changing anything; data.update(); 404 for an unknown id.
    return not_implemented("PATCH /v2/items/<id>")
