"""Checkpoints for a09 · Inventory Management (blueprints, versioning, pagination).

They create the items they need (with a unique name) and find them by id; the pagination
walk goes through a whole category and checks every item once, so the checkpoints pass in
any order and against a server that already holds extra items.
"""

import re
import uuid
from urllib.parse import urlsplit

from mission_control.check import checkpoint, expect, expect_equal, fail, is_count

CATEGORIES = ("electronics", "food", "medical", "tools", "clothing", "science")
MISSING = 2_000_000_000  # an id no server will have handed out
MAX_PAGES = 2000  # a walk longer than this never ends: has_more never turns false

PAGE_HINT = (
    "Answer jsonify(items=..., total=..., offset=..., limit=..., has_more=...), where "
    "items is the slice [offset:offset + limit] of the (filtered) items in id order, total "
    "counts the filtered items, and has_more is offset + len(items) < total."
)
CREATE_HINT = (
    "In the v2 blueprint, validate the four fields, store the item through the shared data "
    'module, and `return jsonify(item), 201, {"Location": url_for(".get_item", '
    'item_id=item["id"])}`.'
)
VALIDATE_HINT = (
    "Check every field before storing anything: name a str of 1-100 characters once "
    "stripped; category in CATEGORIES; quantity an int (not a bool) >= 0; price an int or "
    "float (not a bool), finite (math.isfinite), >= 0, with at most two decimals. Any "
    "failure: abort(400, description=...)."
)
DEPRECATION_HINT = (
    "Register an after_request function on the v1 blueprint (@bp.after_request, not "
    '@app.after_request) that sets response.headers["Deprecation"] = "@<unix seconds>" and '
    'response.headers["Link"] = \'</v2/...>; rel="successor-version"\'. A blueprint\'s '
    "after_request also runs for the errors its views raise."
)

REGISTER_HINT = (
    "No route answers this URL. Register both blueprints in app.py: "
    'app.register_blueprint(v1, url_prefix="/v1") and the same for v2 with "/v2"; inside '
    'a blueprint the route is just "/items".'
)


def expect_routed(response):
    """Fail with the blueprint hint when /v1/items or /v2/items itself is not found."""
    if response.status_code == 404 and response.request.path in ("/v1/items", "/v2/items"):
        fail(
            f"expected an answer from {response.request.path}, not 404 Not Found",
            hint=REGISTER_HINT,
            response=response,
        )


def unique(name):
    return f"{name} {uuid.uuid4().hex[:8]}"


def expect_item(item, response):
    """Fail unless ``item`` looks like {"id", "name", "category", "quantity", "price"}."""
    ok = (
        isinstance(item, dict)
        and isinstance(item.get("id"), int)
        and not isinstance(item.get("id"), bool)
        and isinstance(item.get("name"), str)
        and item.get("category") in CATEGORIES
        and isinstance(item.get("quantity"), int)
        and not isinstance(item.get("quantity"), bool)
        and isinstance(item.get("price"), int | float)
        and not isinstance(item.get("price"), bool)
    )
    expect(
        ok,
        'an item like {"id": 1, "name": "Radio transceiver", "category": "electronics", '
        '"quantity": 12, "price": 249.0}',
        repr(item),
        response=response,
    )
    return item


def expect_page(response, offset, limit):
    """Fail unless ``response`` is a v2 page for ``offset`` and ``limit``; return it."""
    expect_routed(response)
    response.expect_status(200, hint=PAGE_HINT)
    page = response.expect_json(dict, hint=PAGE_HINT)
    keys = {"items", "total", "offset", "limit", "has_more"}
    expect(
        keys <= set(page),
        f"an object with the keys {sorted(keys)}",
        f"the keys {sorted(page)}",
        hint=PAGE_HINT,
        response=response,
    )
    expect(isinstance(page["items"], list), '"items" to be an array', response=response)
    for item in page["items"]:
        expect_item(item, response)
    total = page["total"]
    expect(
        is_count(total),
        '"total" to be a whole number',
        repr(total),
        response=response,
    )
    expect_equal(page["offset"], offset, '"offset"', hint=PAGE_HINT, response=response)
    expect_equal(page["limit"], limit, '"limit"', hint=PAGE_HINT, response=response)
    expect(
        len(page["items"]) == max(0, min(limit, total - offset)),
        f"{max(0, min(limit, total - offset))} items on a page with offset {offset}, "
        f"limit {limit} and total {total}",
        f"{len(page['items'])} items",
        hint=PAGE_HINT,
        response=response,
    )
    expect_equal(
        page["has_more"],
        offset + len(page["items"]) < total,
        f'"has_more" with offset {offset}, {len(page["items"])} items and total {total}',
        hint=PAGE_HINT,
        response=response,
    )
    return page


def create(client, category="science", **fields):
    """POST a new item through v2 and return it (fails the checkpoint if that does not work)."""
    body = {"name": unique("Test probe"), "category": category, "quantity": 3, "price": 12.5}
    r = client.post("/v2/items", json={**body, **fields})
    expect_routed(r)
    r.expect_status(201, hint=CREATE_HINT)
    return expect_item(r.expect_json(dict, hint=CREATE_HINT), r)


def category_total(client, category):
    r = client.get("/v2/items", query={"category": category, "limit": 1})
    return expect_page(r, 0, 1)["total"]


def links(value):
    """The links of a Link header: [(uri, {"rel": "successor-version", ...}), ...]."""
    found = []
    for match in re.finditer(r"<([^>]*)>((?:\s*;\s*[^;,]+)*)", value or ""):
        params = {}
        for param in match.group(2).split(";"):
            key, _, val = param.strip().partition("=")
            if key:
                params[key.strip().lower()] = val.strip().strip('"')
        found.append((match.group(1), params))
    return found


def expect_deprecated(response, successor):
    """Fail unless ``response`` has Deprecation: @<seconds> and a successor-version Link to
    the path ``successor``."""
    response.expect_header(
        "Deprecation",
        lambda value: re.fullmatch(r"@-?\d+", value.strip()) is not None,
        expected="@ and the unix time v1 was deprecated, such as '@1767225600' (RFC 9745)",
        hint=DEPRECATION_HINT,
    )
    value = response.expect_header("Link", hint=DEPRECATION_HINT)
    targets = [
        urlsplit(uri).path
        for uri, params in links(value)
        if "successor-version" in params.get("rel", "").split()
    ]
    expect(
        successor in targets,
        f'a Link header like </{successor.lstrip("/")}>; rel="successor-version"',
        repr(value),
        hint=DEPRECATION_HINT,
        response=response,
    )


@checkpoint("v2-list-page", hint=PAGE_HINT)
def test_v2_list_page(client):
    """GET /v2/items answers a page: {"items", "total", "offset", "limit", "has_more"},
    20 items by default"""
    expect_page(client.get("/v2/items"), 0, 20)


@checkpoint(
    "seeded-inventory",
    requires="v2-list-page",
    hint="Fill the shared data module when it is first imported: at least 60 items, at "
    "least 5 in each of the six categories.",
)
def test_seeded_inventory(client):
    """The inventory starts with at least 60 items, at least 5 in each of the six categories"""
    r = client.get("/v2/items", query={"limit": 1})
    total = expect_page(r, 0, 1)["total"]
    expect(total >= 60, "at least 60 items", str(total), response=r)
    for category in CATEGORIES:
        count = category_total(client, category)
        expect(count >= 5, f"at least 5 items in the category {category!r}", str(count))


@checkpoint(
    "v2-offset-and-limit",
    requires="v2-list-page",
    hint=PAGE_HINT + " An offset past the end is not an error: an empty page.",
)
def test_v2_offset_and_limit(client):
    """GET /v2/items?offset=&limit= answers that slice, "has_more" is false on an exactly full
    last page, and an offset past the end gives an empty page"""
    whole = expect_page(client.get("/v2/items", query={"offset": 0, "limit": 8}), 0, 8)
    r = client.get("/v2/items", query={"offset": 5, "limit": 3})
    part = expect_page(r, 5, 3)
    expect_equal(part["items"], whole["items"][5:8], "items 5 to 7 of the first 8", response=r)
    expect_equal(part["has_more"], True, '"has_more" with items after this page', response=r)
    last = max(0, whole["total"] - 3)
    r = client.get("/v2/items", query={"offset": last, "limit": 3})
    expect_page(r, last, 3)  # an exactly full last page: has_more must be false
    past = whole["total"] + 1000
    r = client.get("/v2/items", query={"offset": past, "limit": 10})
    page = expect_page(r, past, 10)
    expect_equal(page["items"], [], "the items past the end", response=r)


@checkpoint(
    "v2-pagination-walk",
    requires=("v2-list-page", "v2-create-item"),
    hint=PAGE_HINT + " Keep the items in id order, so that pages do not overlap or skip.",
)
def test_v2_pagination_walk(client):
    """Walking the pages of a category shows every item of it exactly once, in id order,
    and "has_more" turns false on the last page"""
    created = [create(client, "science")["id"] for _ in range(3)]
    seen, offset, limit, total = [], 0, 4, None
    for _ in range(MAX_PAGES):
        r = client.get("/v2/items", query={"category": "science", "offset": offset, "limit": limit})
        page = expect_page(r, offset, limit)
        if total is None:
            total = page["total"]
        expect_equal(page["total"], total, '"total" (the same on every page)', response=r)
        for item in page["items"]:
            expect_equal(
                item["category"], "science", f"the category of item {item['id']}", response=r
            )
            if item["id"] in seen:
                fail(f"item {item['id']} appears on two pages", response=r)
            if seen and item["id"] < seen[-1]:
                fail(f"item {item['id']} after item {seen[-1]}: not in id order", response=r)
            seen.append(item["id"])
        if not page["has_more"]:
            break
        offset += limit
    else:
        fail(f'"has_more" is still true after {MAX_PAGES} pages')
    expect_equal(len(seen), total, "the number of items walked (the total)", response=r)
    for item_id in created:
        expect(item_id in seen, f"the new science item {item_id} on one of the pages", response=r)


@checkpoint(
    "v2-category-any-case",
    requires="v2-list-page",
    hint="Compare category.lower() (or .casefold()) with the stored category; an unknown "
    "category simply matches nothing: total 0, no items.",
)
def test_v2_category_any_case(client):
    """?category= matches whatever its letter case, and "total" counts only that category;
    an unknown category answers an empty page"""
    r = client.get("/v2/items", query={"category": "medical", "limit": 100})
    lower = expect_page(r, 0, 100)
    expect(lower["total"] >= 1, "items in the category 'medical'", str(lower["total"]), response=r)
    for item in lower["items"]:
        expect_equal(item["category"], "medical", f"the category of item {item['id']}", response=r)
    r = client.get("/v2/items", query={"category": "MeDiCaL", "limit": 100})
    mixed = expect_page(r, 0, 100)
    expect_equal(
        mixed["total"], lower["total"], "\"total\" for 'MeDiCaL' (as for 'medical')", response=r
    )
    expect_equal(mixed["items"], lower["items"], "the items for 'MeDiCaL'", response=r)
    r = client.get("/v2/items", query={"category": f"spaceships-{uuid.uuid4().hex[:6]}"})
    page = expect_page(r, 0, 20)
    expect_equal(page["total"], 0, '"total" for an unknown category', response=r)


@checkpoint(
    "paging-validation-400",
    hint="Read offset and limit yourself: request.args.get('limit', type=int) quietly turns "
    "'abc' into the default. Accept digits only, then check offset >= 0 and 1 <= limit <= "
    "100; otherwise abort(400, description=...). Use the same helper in v1 and v2.",
)
def test_paging_validation_400(client):
    """A bad offset or limit answers 400 with a JSON error on v1 and v2 (never 500, never the
    default)"""
    bad = [
        {"limit": "abc"},
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "-5"},
        {"limit": "2.5"},
        {"limit": ""},
        {"offset": "abc"},
        {"offset": "-1"},
        {"offset": "2.5"},
        {"offset": ""},
        # digits that are not 0-9: "²" (what str.isdigit() accepts) and Arabic-Indic "٣"
        {"limit": "\u00b2"},
        {"limit": "\u0663"},
        {"offset": "\u0663"},
        {"offset": "\u00b2"},
        # too many digits: int() refuses 5,000 of them, and 10 is already more than allowed
        {"limit": "9" * 5000},
        {"offset": "9" * 5000},
        {"offset": "1" + "0" * 9},
    ]
    for version in ("v1", "v2"):
        for query in bad:
            r = client.get(f"/{version}/items", query=query)
            if r.status_code != 400:
                shown = (
                    r.request.target
                    if len(r.request.target) < 80
                    else (f"/{version}/items?{next(iter(query))}= and 5,000 digits")
                )
                fail(
                    f"expected 400 Bad Request for {shown}, not {r.status_line}",
                    response=r,
                )
            r.expect_error(400)
        for query in ({"limit": "1"}, {"limit": "100"}, {"offset": "0", "limit": "100"}):
            client.get(f"/{version}/items", query=query).expect_status(200)


@checkpoint(
    "v2-get-item",
    requires="v2-create-item",
    hint="Look the id up in the data module; abort(404) when it is not there.",
)
def test_v2_get_item(client):
    """GET /v2/items/<id> answers the item, or 404 with a JSON error"""
    item = create(client, "tools")
    r = client.get(f"/v2/items/{item['id']}")
    r.expect_status(200)
    expect_equal(r.expect_json(dict), item, f"item {item['id']}", response=r)
    client.get(f"/v2/items/{MISSING}").expect_error(404)


@checkpoint(
    "item-id-ascii-digits-404",
    requires="v2-create-item",
    hint="Flask's int converter matches \\d, which takes any script's digits, and int('٣') is "
    '3: register a subclass of werkzeug.routing.IntegerConverter with regex = r"[0-9]+" as '
    'app.url_map.converters["int"] in create_app, before the blueprints.',
)
def test_item_id_ascii_digits_404(client):
    """An item id written in other digits (/v2/items/٣, Arabic-Indic; full-width ３) answers
    404 in both versions, and PATCH through it changes nothing"""
    item = create(client, "tools")
    for digits, script in (("٠١٢٣٤٥٦٧٨٩", "Arabic-Indic"), ("０１２３４５６７８９", "full-width")):
        other = str(item["id"]).translate(str.maketrans("0123456789", digits))
        for method, path in (
            ("GET", f"/v2/items/{other}"),
            ("GET", f"/v1/items/{other}"),
            ("PATCH", f"/v2/items/{other}"),
        ):
            r = client.request(method, path, json={"quantity": item["quantity"] + 1})
            if r.status_code != 404:
                fail(
                    f"expected 404 Not Found for {method} {path} (item {item['id']} in "
                    f"{script} digits), not {r.status_line}",
                    response=r,
                )
            r.expect_error(404)
    r = client.get(f"/v2/items/{item['id']}")
    r.expect_status(200)
    expect_equal(r.expect_json(dict), item, f"item {item['id']} afterwards", response=r)


@checkpoint(
    "v1-list-array",
    hint="v1 answers the page's items alone: jsonify(items), a plain JSON array, with the "
    "same offset and limit rules as v2 (default limit 20).",
)
def test_v1_list_array(client):
    """GET /v1/items answers a plain JSON array of items, 20 by default"""
    r = client.get("/v1/items")
    expect_routed(r)
    r.expect_status(200)
    items = r.expect_json(list)
    for item in items:
        expect_item(item, r)
    expect_equal(len(items), 20, "the number of items (the default limit)", response=r)
    r = client.get("/v1/items", query={"offset": 2, "limit": 3})
    r.expect_status(200)
    later = r.expect_json(list)
    expect_equal(len(later), 3, "the number of items with limit=3", response=r)
    expect_equal(later, items[2:5], "items 2 to 4 of the default page", response=r)


@checkpoint(
    "v1-matches-v2",
    requires=("v1-list-array", "v2-list-page", "v2-create-item"),
    hint="Both blueprints must read the one data module: no copy of the items in v1.",
)
def test_v1_matches_v2(client):
    """v1 and v2 share one inventory: the same pages, and an item created through v2 is at
    /v1/items/<id>"""
    r = client.get("/v2/items", query={"offset": 7, "limit": 6})
    v2_page = expect_page(r, 7, 6)
    r = client.get("/v1/items", query={"offset": 7, "limit": 6})
    r.expect_status(200)
    expect_equal(r.expect_json(list), v2_page["items"], "the v1 page (as in v2)", response=r)
    item = create(client, "food")
    r = client.get(f"/v1/items/{item['id']}")
    if r.status_code != 200:
        fail(
            f"expected item {item['id']}, just created through v2, at /v1/items/{item['id']}, "
            f"not {r.status_line}",
            response=r,
        )
    expect_equal(r.expect_json(dict), item, f"item {item['id']} through v1", response=r)


@checkpoint(
    "v1-get-item",
    requires="v1-list-array",
    hint="Look the id up in the data module; abort(404) when it is not there.",
)
def test_v1_get_item(client):
    """GET /v1/items/<id> answers the item, or 404 with a JSON error"""
    r = client.get("/v1/items", query={"offset": 4, "limit": 1})
    r.expect_status(200)
    listed = r.expect_json(list)
    expect(len(listed) == 1, "one item at offset 4", response=r)
    item = expect_item(listed[0], r)
    r = client.get(f"/v1/items/{item['id']}")
    r.expect_status(200)
    expect_equal(r.expect_json(dict), item, f"item {item['id']}", response=r)
    client.get(f"/v1/items/{MISSING}").expect_error(404)


@checkpoint("v1-deprecation-headers", hint=DEPRECATION_HINT)
def test_v1_deprecation_headers(client):
    """Every v1 answer, errors included, carries Deprecation and a Link to its v2 successor"""
    r = client.get("/v1/items")
    r.expect_status(200)
    expect_deprecated(r, "/v2/items")
    r = client.get("/v1/items", query={"limit": "abc"})  # paging-validation-400 checks the 400
    expect_deprecated(r, "/v2/items")
    r = client.get("/v1/items/1")
    r.expect_status(200, 404)
    expect_deprecated(r, "/v2/items/1")
    r = client.get(f"/v1/items/{MISSING}")
    r.expect_status(404)
    expect_deprecated(r, f"/v2/items/{MISSING}")


@checkpoint(
    "v2-not-deprecated",
    requires="v2-list-page",
    hint="v2 is the current version: set the Deprecation header in the v1 blueprint's "
    "after_request only, not in an app-wide one.",
)
def test_v2_not_deprecated(client):
    """v2 answers carry no Deprecation header"""
    for path, status in (
        ("/v2/items", 200),
        (f"/v2/items/{MISSING}", 404),
        ("/v2/items?limit=abc", None),  # paging-validation-400 checks that it is a 400
    ):
        r = client.get(path)
        if status:
            r.expect_status(status)
        expect(
            "Deprecation" not in r.headers,
            f"no Deprecation header on {path}",
            repr(r.headers.get("Deprecation")),
            response=r,
        )


@checkpoint("v2-create-item", hint=CREATE_HINT)
def test_v2_create_item(client):
    """POST /v2/items creates an item: 201, the item, and a Location header"""
    name = unique("Ion thruster")
    body = {"name": f"  {name} ", "category": "science", "quantity": 2, "price": 19.99}
    r = client.post("/v2/items", json=body)
    expect_routed(r)
    r.expect_status(201)
    item = expect_item(r.expect_json(dict), r)
    expect_equal(item["name"], name, "the name (stored without surrounding spaces)", response=r)
    for field in ("category", "quantity", "price"):
        expect_equal(item[field], body[field], f'"{field}"', response=r)
    r.expect_header(
        "Location",
        lambda value: urlsplit(value).path == f"/v2/items/{item['id']}",
        expected=f"/v2/items/{item['id']}",
        hint="Add the header with url_for('.get_item', item_id=item['id']).",
    )
    r = client.get(f"/v2/items/{item['id']}")
    r.expect_status(200)
    expect_equal(r.expect_json(dict), item, "the stored item", response=r)


@checkpoint("v2-create-validates", hint=VALIDATE_HINT)
def test_v2_create_validates(client):
    """POST /v2/items answers 400 for a missing or invalid field, and creates nothing"""
    good = {"name": unique("Valid"), "category": "tools", "quantity": 1, "price": 2.5}
    bad = [
        ("a body that is an array", ["Wrench"]),
        ("an empty object", {}),
        ("no name", {k: v for k, v in good.items() if k != "name"}),
        ("no category", {k: v for k, v in good.items() if k != "category"}),
        ("no quantity", {k: v for k, v in good.items() if k != "quantity"}),
        ("no price", {k: v for k, v in good.items() if k != "price"}),
        ("an empty name", {**good, "name": ""}),
        ("a name of spaces", {**good, "name": "    "}),
        ("a name of 101 characters", {**good, "name": "x" * 101}),
        ("a name that is a number", {**good, "name": 42}),
        ("an unknown category", {**good, "category": "spaceships"}),
        ("a category that is a number", {**good, "category": 3}),
        ("a negative quantity", {**good, "quantity": -1}),
        ("a quantity of 2.5", {**good, "quantity": 2.5}),
        ('a quantity of "5"', {**good, "quantity": "5"}),
        ("a quantity of true", {**good, "quantity": True}),
        ("a negative price", {**good, "price": -0.01}),
        ("a price with three decimals", {**good, "price": 1.234}),
        ('a price of "9.99"', {**good, "price": "9.99"}),
        ("a price of true", {**good, "price": True}),
        ("a price of null", {**good, "price": None}),
        ("a price over 1,000,000,000", {**good, "price": 1_000_000_000.01}),
        ("a price of 401 digits", {**good, "price": int("9" * 401)}),
    ]
    before = category_total(client, "tools")
    for why, body in bad:
        r = client.post("/v2/items", json=body)
        if r.status_code != 400:
            fail(f"expected 400 Bad Request for {why}, not {r.status_line}", response=r)
        r.expect_error(400)
    raw = '{"name": "Infinite wrench", "category": "tools", "quantity": 1, "price": Infinity}'
    r = client.post("/v2/items", data=raw, headers={"Content-Type": "application/json"})
    if r.status_code != 400:
        fail(
            f"expected 400 Bad Request for a price of Infinity, not {r.status_line}",
            hint="Python's JSON parser accepts Infinity, but it is not a price: check "
            "math.isfinite(price).",
            response=r,
        )
    r.expect_error(400)
    client.post(
        "/v2/items", data='{"name": "Wrench"', headers={"Content-Type": "application/json"}
    ).expect_error(400)
    deep = "[" * 100_000 + "]" * 100_000  # Python's JSON parser raises RecursionError
    r = client.post("/v2/items", data=deep, headers={"Content-Type": "application/json"})
    if r.status_code != 400:
        fail(
            f"expected 400 Bad Request for JSON nested 100,000 levels deep, not {r.status_line}",
            hint="request.get_json() raises RecursionError (not a ValueError) for JSON nested "
            "that deep: catch it and abort(400).",
            response=r,
        )
    expect_equal(category_total(client, "tools"), before, "the number of tools afterwards")
    r = client.post("/v2/items", json={**good, "name": "y" * 100, "price": 0, "quantity": 0})
    r.expect_status(201, hint="A name of exactly 100 characters, price 0 and quantity 0 are valid.")


@checkpoint(
    "v2-patch-item",
    requires="v2-create-item",
    hint="Validate the fields sent, then update only those through the data module, and "
    "answer 200 with the whole item.",
)
def test_v2_patch_item(client):
    """PATCH /v2/items/<id> changes quantity and/or price, and only those: 200 and the item"""
    item = create(client, "clothing", quantity=10, price=30)
    r = client.patch(f"/v2/items/{item['id']}", json={"quantity": 7})
    r.expect_status(200)
    expect_equal(r.expect_json(dict), {**item, "quantity": 7}, "the item after PATCH", response=r)
    r = client.patch(f"/v2/items/{item['id']}", json={"price": 27.45})
    r.expect_status(200)
    changed = {**item, "quantity": 7, "price": 27.45}
    expect_equal(r.expect_json(dict), changed, "the item after PATCH", response=r)
    r = client.patch(f"/v2/items/{item['id']}", json={"quantity": 0, "price": 0})
    r.expect_status(200)
    r = client.get(f"/v2/items/{item['id']}")
    expect_equal(
        r.expect_json(dict), {**item, "quantity": 0, "price": 0}, "the stored item", response=r
    )


@checkpoint(
    "v2-patch-validates",
    requires="v2-create-item",
    hint="Check the whole body before changing anything: only quantity and price may be sent, "
    "at least one of them, each valid as in POST; 404 for an unknown id.",
)
def test_v2_patch_validates(client):
    """PATCH /v2/items/<id> answers 400 for an empty or invalid change, changing nothing,
    and 404 for an unknown id"""
    item = create(client, "medical", quantity=4, price=8)
    for why, body in (
        ("an empty object", {}),
        ("a negative quantity", {"quantity": -3}),
        ("a quantity of 1.5", {"quantity": 1.5}),
        ('a price of "cheap"', {"price": "cheap"}),
        ("a price with three decimals", {"price": 0.125}),
        ("a name (it cannot be changed)", {"name": "Renamed"}),
        ("a category (it cannot be changed)", {"category": "food"}),
        ("a valid quantity with an invalid price", {"quantity": 9, "price": -1}),
        ("a body that is an array", [1]),
    ):
        r = client.patch(f"/v2/items/{item['id']}", json=body)
        if r.status_code != 400:
            fail(f"expected 400 Bad Request for {why}, not {r.status_line}", response=r)
        r.expect_error(400)
    r = client.get(f"/v2/items/{item['id']}")
    expect_equal(r.expect_json(dict), item, "the item after rejected changes", response=r)
    client.patch(f"/v2/items/{MISSING}", json={"quantity": 1}).expect_error(404)
