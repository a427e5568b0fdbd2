"""Lesson a09 · Inventory Management (your starter).

Fill in every TODO until `mission check a09` is all green. The lesson's README.md has the
contract. The inventory (data.py) is ready; the two API versions are yours: v1/routes.py
and v2/routes.py, and the query parameters they share in paging.py.
Run the app with `python app.py` (or `flask --app app run`).
"""

import os

from flask import Flask, jsonify
from v1.routes import bp as v1
from werkzeug.exceptions import HTTPException

# TODO: import the v2 blueprint as well.


def json_error(error: HTTPException):
    """Every HTTP error as JSON, keeping the headers Werkzeug sets (such as Allow on 405)."""
    response = jsonify(error=error.description)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response, error.code


def create_app() -> Flask:
    app = Flask(__name__)
    app.register_blueprint(v1, url_prefix="/v1")
    # TODO: register the v2 blueprint under /v2 the same way.
    app.register_error_handler(HTTPException, json_error)
    return app


app = create_app()

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
