"""Lesson a01 · Basic To-Do API (your starter).

Fill in every TODO until `mission check a01` is all green. The lesson's README.md has the
contract each route must keep. Run the app with `python app.py` (or `flask --app app run`).
"""

import os
import threading

from flask import Flask, jsonify

app = Flask(__name__)

# Flask's development server answers requests on several threads at once. The lock makes
# every read-modify-write of the store and the id counter happen one request at a time.
lock = threading.Lock()
todos: dict[int, dict] = {}  # id -> {"id": 1, "title": "Buy milk", "completed": False}
next_id = 1

TITLE_MAX = 200


def not_implemented(what: str):
    """What every route answers until you write it."""
    return jsonify(error=f"Not implemented yet: {what}"), 501


@app.get("/todos")
def list_todos():
    # TODO: answer 200 with every to-do as a JSON array, oldest first.
    return not_implemented("GET /todos")


@app.post("/todos")
def create_todo():
    # TODO: read the JSON body with request.get_json(); check "title" (a string of
    #   1-200 characters once stripped) and "completed" (true/false, optional);
    #   store the new to-do under the next id (hold the lock!);
    #   answer 201 with the to-do and a Location header pointing at /todos/<id>.
    return not_implemented("POST /todos")


@app.get("/todos/<int:todo_id>")
def get_todo(todo_id: int):
    # TODO: answer 200 with the to-do, or 404 if there is none with this id.
    return not_implemented("GET /todos/<id>")


@app.put("/todos/<int:todo_id>")
def update_todo(todo_id: int):
    # TODO: change only the fields sent ("title" and/or "completed"), validated as in
    #   POST; 400 for an empty object, 404 for an unknown id; answer 200 with the to-do.
    return not_implemented("PUT /todos/<id>")


@app.delete("/todos/<int:todo_id>")
def delete_todo(todo_id: int):
    # TODO: remove the to-do and answer 204 with an empty body; 404 for an unknown id.
    return not_implemented("DELETE /todos/<id>")


# TODO: register an error handler for werkzeug.exceptions.HTTPException so that every
#   error (400, 404, 405, 415) is answered as JSON {"error": "..."} instead of HTML.


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
