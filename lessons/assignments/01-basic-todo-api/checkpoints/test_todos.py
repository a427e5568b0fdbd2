"""Checkpoints for a01 · Basic To-Do API.

Each one creates the to-dos it needs (with a unique title) and finds them by id, so they
pass in any order and against a server that already holds data.
"""

import uuid

from mission_control.check import (
    checkpoint,
    expect,
    expect_equal,
    expect_malformed_json_400,
    expect_method_not_allowed,
    expect_not_json_415,
    expect_object_required,
    expect_unknown_url_404,
    fail,
    same_path,
)

MISSING = 2_000_000_000  # an id no server will have handed out

CREATE_HINT = (
    "In create_todo, read the body with request.get_json(), build the to-do, store it under "
    'the next id, and answer with `return jsonify(todo), 201, {"Location": url_for(...)}`.'
)
JSON_ERRORS_HINT = (
    "Register one handler with @app.errorhandler(HTTPException) that answers "
    "jsonify(error=error.description) with error.code: then abort(400), abort(404) and "
    "Flask's own 404, 405 and 415 all come back as JSON."
)


def unique(title: str) -> str:
    return f"{title} {uuid.uuid4().hex[:8]}"


def expect_todo(todo, response):
    """Fail unless ``todo`` has the shape {"id": int, "title": str, "completed": bool}."""
    ok = (
        isinstance(todo, dict)
        and isinstance(todo.get("id"), int)
        and not isinstance(todo.get("id"), bool)
        and todo["id"] >= 1
        and isinstance(todo.get("title"), str)
        and isinstance(todo.get("completed"), bool)
    )
    expect(
        ok,
        'a to-do like {"id": 1, "title": "Buy milk", "completed": false}',
        repr(todo),
        response=response,
    )
    return todo


def create(client, title="Buy milk", **fields):
    """POST a new to-do and return it (fails the checkpoint if that does not work)."""
    r = client.post("/todos", json={"title": unique(title), **fields})
    r.expect_status(201, hint=CREATE_HINT)
    return expect_todo(r.expect_json(dict, hint=CREATE_HINT), r)


@checkpoint("list-is-json-array", hint="list_todos should `return jsonify(list(todos.values()))`.")
def test_list_is_json_array(client):
    """GET /todos answers 200 with a JSON array of to-dos"""
    r = client.get("/todos")
    r.expect_status(200)
    for todo in r.expect_json(list):
        expect_todo(todo, r)


@checkpoint("create-todo", hint=CREATE_HINT)
def test_create_todo(client):
    """POST /todos creates a to-do: 201, the to-do as JSON, and a Location header"""
    title = unique("Buy milk")
    r = client.post("/todos", json={"title": title})
    r.expect_status(201)
    todo = expect_todo(r.expect_json(dict), r)
    expect_equal(todo["title"], title, "the title", response=r)
    expect_equal(todo["completed"], False, '"completed" of a new to-do', response=r)
    r.expect_header(
        "Location",
        lambda value: same_path(value, f"/todos/{todo['id']}"),
        expected=f"/todos/{todo['id']}",
        hint="Add the header with `url_for('get_todo', todo_id=todo['id'])`.",
    )


@checkpoint(
    "create-strips-title",
    requires="create-todo",
    hint="Store title.strip(), and take completed from the body when it is there.",
)
def test_create_strips_title(client):
    """POST /todos stores the title without surrounding spaces and keeps "completed" when sent"""
    title = unique("Walk the dog")
    r = client.post("/todos", json={"title": f"   {title}  ", "completed": True})
    r.expect_status(201)
    todo = expect_todo(r.expect_json(dict), r)
    expect_equal(todo["title"], title, "the stored title", response=r)
    expect_equal(todo["completed"], True, '"completed"', response=r)


@checkpoint(
    "create-validates-title",
    hint="Check that title is a str, and that len(title.strip()) is from 1 to 200; "
    "otherwise abort(400, description=...).",
)
def test_create_validates_title(client):
    """POST /todos answers 400 with a JSON error for a missing, blank, too long or non-text title"""
    for body in (
        {},
        {"title": ""},
        {"title": "   "},
        {"title": "x" * 201},
        {"title": 42},
        {"title": None},
        {"completed": False},
    ):
        client.post("/todos", json=body).expect_error(400)
    r = client.post("/todos", json={"title": "y" * 200})
    r.expect_status(201, hint="A title of exactly 200 characters is allowed.")


@checkpoint(
    "create-validates-completed",
    hint="`completed` must be a real JSON boolean: check isinstance(value, bool).",
)
def test_create_validates_completed(client):
    """POST /todos answers 400 when "completed" is not true or false"""
    for value in ("yes", 1, 0, None, "true"):
        client.post("/todos", json={"title": unique("Read"), "completed": value}).expect_error(400)


@checkpoint(
    "create-needs-object",
    hint="request.get_json() may return a list, a string or a number: "
    "check isinstance(data, dict) before reading fields.",
)
def test_create_needs_object(client):
    """POST /todos answers 400 when the JSON body is not an object"""
    expect_object_required(client, "/todos", (["Buy milk"], "Buy milk", 7))


@checkpoint("get-todo", requires="create-todo", hint="Look the id up in the store and jsonify it.")
def test_get_todo(client):
    """GET /todos/<id> answers 200 with that to-do"""
    todo = create(client)
    r = client.get(f"/todos/{todo['id']}")
    r.expect_status(200)
    expect_equal(r.expect_json(dict), todo, f"to-do {todo['id']}", response=r)


@checkpoint(
    "get-unknown-404",
    hint="When the id is not in the store, abort(404); your JSON error handler does the rest.",
)
def test_get_unknown_404(client):
    """GET /todos/<id> answers 404 with a JSON error for an id that does not exist"""
    client.get(f"/todos/{MISSING}").expect_error(404)


@checkpoint(
    "id-ascii-digits-404",
    requires="create-todo",
    hint="Flask's int converter matches \\d, which takes any script's digits: register a "
    'subclass of werkzeug.routing.IntegerConverter with regex = r"[0-9]+" as '
    'app.url_map.converters["int"] before your routes.',
)
def test_id_ascii_digits_404(client):
    """An id written in other digits (/todos/١, Arabic-Indic) answers 404, not that to-do"""
    todo = create(client, "Written in ASCII digits")
    other = str(todo["id"]).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    for method in ("GET", "PUT", "DELETE"):
        r = client.request(method, f"/todos/{other}", json={"title": "changed"})
        if r.status_code != 404:
            fail(
                f"expected 404 Not Found for {method} /todos/{other} (to-do {todo['id']} in "
                f"Arabic-Indic digits), not {r.status_line}",
                response=r,
            )
        r.expect_error(404)
    r = client.get(f"/todos/{todo['id']}")
    expect_equal(r.expect_json(dict), todo, f"to-do {todo['id']} afterwards", response=r)


@checkpoint(
    "list-oldest-first",
    requires="create-todo",
    hint="A dict keeps insertion order, so list(todos.values()) is oldest first.",
)
def test_list_oldest_first(client):
    """GET /todos lists every to-do, oldest first"""
    first, second = create(client, "First"), create(client, "Second")
    r = client.get("/todos")
    r.expect_status(200)
    listed = r.expect_json(list)
    ids = [todo.get("id") for todo in listed if isinstance(todo, dict)]
    expect(first in listed and second in listed, "both new to-dos in the list", response=r)
    expect(
        ids.index(first["id"]) < ids.index(second["id"]),
        f"to-do {first['id']} (older) before to-do {second['id']}",
        response=r,
    )


@checkpoint(
    "update-partial",
    requires="create-todo",
    hint="Validate the fields that were sent, then update only those: todo.update(fields).",
)
def test_update_partial(client):
    """PUT /todos/<id> changes only the fields it is sent and answers 200 with the to-do"""
    todo = create(client, "Call mum")
    r = client.put(f"/todos/{todo['id']}", json={"completed": True})
    r.expect_status(200)
    updated = expect_todo(r.expect_json(dict), r)
    expect_equal(updated["completed"], True, '"completed" after the update', response=r)
    expect_equal(updated["title"], todo["title"], "the title (it was not sent)", response=r)

    title = unique("  Call dad ")
    r = client.put(f"/todos/{todo['id']}", json={"title": title})
    r.expect_status(200)
    updated = expect_todo(r.expect_json(dict), r)
    expect_equal(updated["title"], title.strip(), "the new title, stripped", response=r)
    expect_equal(updated["completed"], True, '"completed" (it was not sent)', response=r)

    r = client.get(f"/todos/{todo['id']}")
    expect_equal(r.expect_json(dict), updated, "the stored to-do", response=r)


@checkpoint(
    "update-validates",
    requires="create-todo",
    hint="Validate every field before changing anything, so a rejected update leaves the "
    "to-do as it was; a body with neither title nor completed is a 400.",
)
def test_update_validates(client):
    """PUT /todos/<id> answers 400 for an empty or invalid update, changing nothing,
    and 404 for an unknown id"""
    todo = create(client, "Water plants")
    for body in (
        {},
        {"title": "   "},
        {"title": 3},
        {"completed": "yes"},
        {"completed": True, "title": ""},
        {"title": "Valid", "completed": None},
    ):
        client.put(f"/todos/{todo['id']}", json=body).expect_error(400)
    r = client.get(f"/todos/{todo['id']}")
    expect_equal(r.expect_json(dict), todo, "the to-do after rejected updates", response=r)
    client.put(f"/todos/{MISSING}", json={"completed": True}).expect_error(404)


@checkpoint(
    "delete-todo",
    requires="create-todo",
    hint='Remove the to-do from the store and `return "", 204`; abort(404) if it is not there.',
)
def test_delete_todo(client):
    """DELETE /todos/<id> answers 204 with an empty body, and the to-do is gone"""
    todo = create(client, "Take out the bins")
    r = client.delete(f"/todos/{todo['id']}")
    r.expect_status(204)
    r.expect_empty_body()
    client.get(f"/todos/{todo['id']}").expect_error(404)
    client.delete(f"/todos/{todo['id']}").expect_error(404)


@checkpoint(
    "ids-never-reused",
    requires="create-todo",
    hint="Keep a counter (next_id) that only ever goes up; len(todos) + 1 reuses ids "
    "after a delete.",
)
def test_ids_never_reused(client):
    """Ids are never reused, even after a delete"""
    first = create(client, "Temporary")
    client.delete(f"/todos/{first['id']}").expect_status(204)
    second = create(client, "Next")
    expect(
        second["id"] > first["id"],
        f"the next to-do to get an id above {first['id']}",
        f"id {second['id']}",
    )


@checkpoint("unknown-url-json-404", hint=JSON_ERRORS_HINT)
def test_unknown_url_json_404(client):
    """An unknown URL answers 404 with a JSON error, not an HTML page"""
    expect_unknown_url_404(client)


@checkpoint("method-not-allowed", hint=JSON_ERRORS_HINT + " Keep error.get_headers() for Allow.")
def test_method_not_allowed(client):
    """A method a route does not accept answers 405 with a JSON error and an Allow header"""
    expect_method_not_allowed(client, "DELETE", "/todos", "GET", "POST")


@checkpoint(
    "not-json-415",
    hint="request.get_json() raises 415 when the Content-Type is not application/json; "
    "let it, and make sure your error handler answers it as JSON.",
)
def test_not_json_415(client):
    """A body not sent as application/json answers 415 with a JSON error"""
    expect_not_json_415(client, "/todos", {"title": "Buy milk"}, raw='{"title": "Buy milk"}')


@checkpoint(
    "malformed-json-400",
    hint="request.get_json() raises 400 for JSON that does not parse; your error handler "
    "turns it into a JSON error.",
)
def test_malformed_json_400(client):
    """Malformed JSON answers 400 with a JSON error"""
    expect_malformed_json_400(client, "/todos", ('{"title": "Buy milk"', ""))
    deep = '{"title": ' * 100_000 + '"x"' + "}" * 100_000  # RecursionError in the parser
    r = client.post("/todos", data=deep, headers={"Content-Type": "application/json"})
    if r.status_code != 400:
        fail(
            f"expected 400 Bad Request for JSON nested 100,000 levels deep, not {r.status_line}",
            hint="request.get_json() raises RecursionError (not a ValueError) for JSON nested "
            "that deep: catch it and abort(400).",
            response=r,
        )
    r.expect_error(400)
