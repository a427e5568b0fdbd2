"""API version 2: pages with their metadata, a category filter, and items that can be
created and changed."""

import math
from decimal import Decimal

import data
from flask import Blueprint, abort, jsonify, request, url_for
from paging import page_args

bp = Blueprint("v2", __name__)

NAME_MAX = 100
CHANGEABLE = {"quantity", "price"}
MAX_PRICE = 1_000_000_000


@bp.get("/items")
def list_items():
    offset, limit = page_args()
    category = request.args.get("category") or None
    items, total = data.page(offset, limit, category)
    return jsonify(
        items=items,
        total=total,
        offset=offset,
        limit=limit,
        has_more=offset + len(items) < total,
    )


@bp.get("/items/<int:item_id>")
def get_item(item_id: int):
    return jsonify(find(item_id))


@bp.post("/items")
def create_item():
    body = json_object()
    name = body.get("name")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= NAME_MAX:
        abort(400, description=f"'name' must be text of 1 to {NAME_MAX} characters.")
    category = body.get("category")
    if category not in data.CATEGORIES:
        abort(400, description=f"'category' must be one of: {', '.join(data.CATEGORIES)}.")
    check_quantity(body.get("quantity"))
    check_price(body.get("price"))
    item = data.add(name.strip(), category, body["quantity"], body["price"])
    location = url_for(".get_item", item_id=item["id"])
    return jsonify(item), 201, {"Location": location}


@bp.patch("/items/<int:item_id>")
def update_item(item_id: int):
    body = json_object()
    if not body or set(body) - CHANGEABLE:
        abort(400, description="Send 'quantity' and/or 'price', and nothing else.")
    # Validate everything before changing anything: a rejected request changes nothing.
    if "quantity" in body:
        check_quantity(body["quantity"])
    if "price" in body:
        check_price(body["price"])
    item = data.update(item_id, body)
    if item is None:
        abort(404, description=f"There is no item with id {item_id}.")
    return jsonify(item)


def find(item_id: int) -> dict:
    item = data.get(item_id)
    if item is None:
        abort(404, description=f"There is no item with id {item_id}.")
    return item


def json_object() -> dict:
    """The request's JSON object; 400 for malformed JSON or any other kind of value."""
    try:
        body = request.get_json()
    except RecursionError:  # JSON nested thousands of levels deep: malformed for us
        abort(400, description="The body is nested too deeply.")
    if not isinstance(body, dict):
        abort(400, description="The body must be a JSON object.")
    return body


def check_quantity(value) -> None:
    # bool is a subclass of int in Python: True would otherwise count as 1.
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        abort(400, description="'quantity' must be a whole number, 0 or more.")


def check_price(value) -> None:
    ok = (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and not value > MAX_PRICE  # first: a 401-digit int does not even fit in a float
        and math.isfinite(value)  # Python's JSON parser accepts Infinity and NaN
        and value >= 0
        and Decimal(str(value)).as_tuple().exponent >= -2  # at most two decimals
    )
    if not ok:
        abort(400, description="'price' must be a number, 0 or more, with at most two decimals.")
