"""Lesson a01 · Basic To-Do API (reference solution).

A JSON API for to-dos, kept in memory: create, list, read, update and delete, with JSON
errors for everything that can go wrong.
"""

import os
import threading

from flask import Flask, abort, jsonify, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter


class AsciiIntegerConverter(IntegerConverter):
    """Werkzeug's int converter matches \\d, which also takes other scripts' digits (the
    Arabic-Indic "١" is 1 to int()); an id is written in 0-9 only."""

    regex = r"[0-9]+"


app = Flask(__name__)
app.url_map.converters["int"] = AsciiIntegerConverter  # before any route is added

# Flask's development server answers requests on several threads at once. The lock makes
# every read-modify-write of the store and the id counter happen one request at a time.
lock = threading.Lock()
todos: dict[int, dict] = {}
next_id = 1

TITLE_MAX = 200


def json_body() -> dict:
    """The request's JSON object; 415 if it was not sent as JSON, 400 if it is malformed."""
    try:
        data = request.get_json()  # raises 415 or 400 for us, answered by json_error below
    except RecursionError:  # JSON nested thousands of levels deep is not a ValueError
        abort(400, description="The body is nested too deeply.")
    if not isinstance(data, dict):
        abort(400, description="The body must be a JSON object.")
    return data


def clean_fields(data: dict, *, partial: bool) -> dict:
    """The valid to-do fields in ``data``; abort with 400 at the first invalid one."""
    fields = {}
    if "title" in data or not partial:
        title = data.get("title")
        if not isinstance(title, str) or not title.strip():
            abort(400, description="'title' must be a non-empty string.")
        if len(title.strip()) > TITLE_MAX:
            abort(400, description=f"'title' must be at most {TITLE_MAX} characters.")
        fields["title"] = title.strip()
    if "completed" in data:
        if not isinstance(data["completed"], bool):
            abort(400, description="'completed' must be true or false.")
        fields["completed"] = data["completed"]
    if partial and not fields:
        abort(400, description="Send 'title' and/or 'completed' to update.")
    return fields


def find(todo_id: int) -> dict:
    todo = todos.get(todo_id)
    if todo is None:
        abort(404, description=f"There is no to-do with id {todo_id}.")
    return todo


@app.get("/todos")
def list_todos():
    with lock:
        return jsonify(list(todos.values()))


@app.post("/todos")
def create_todo():
    global next_id
    fields = clean_fields(json_body(), partial=False)
    with lock:
        todo = {
            "id": next_id,
            "title": fields["title"],
            "completed": fields.get("completed", False),
        }
        todos[next_id] = todo
        next_id += 1
    location = url_for("get_todo", todo_id=todo["id"])
    return jsonify(todo), 201, {"Location": location}


@app.get("/todos/<int:todo_id>")
def get_todo(todo_id: int):
    with lock:
        return jsonify(find(todo_id))


@app.put("/todos/<int:todo_id>")
def update_todo(todo_id: int):
    fields = clean_fields(json_body(), partial=True)
    with lock:
        todo = find(todo_id)
        todo.update(fields)
        return jsonify(todo)


@app.delete("/todos/<int:todo_id>")
def delete_todo(todo_id: int):
    with lock:
        find(todo_id)
        del todos[todo_id]
    return "", 204


@app.errorhandler(HTTPException)
def json_error(error: HTTPException):
    """Every HTTP error as JSON, keeping the headers Werkzeug sets (such as Allow on 405)."""
    response = jsonify(error=error.description)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response, error.code


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
