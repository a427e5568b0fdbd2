"""Lesson a09 · Inventory Management (reference solution).

One inventory (data.py), two API versions (v1/ and v2/, one blueprint each) and the query
parameters they share (paging.py). This file only puts them together.
"""

import os

from flask import Flask, jsonify
from v1.routes import bp as v1
from v2.routes import bp as v2
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter


class AsciiIntegerConverter(IntegerConverter):
    """Werkzeug's int converter matches \\d, which also takes other scripts' digits (the
    Arabic-Indic "٣" is 3 to int()); an item id is written in 0-9 only."""

    regex = r"[0-9]+"


def json_error(error: HTTPException):
    """Every HTTP error as JSON, keeping the headers Werkzeug sets (such as Allow on 405)."""
    response = jsonify(error=error.description)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response, error.code


def create_app() -> Flask:
    app = Flask(__name__)
    # Before the blueprints: their <int:item_id> rules are built when they are registered.
    app.url_map.converters["int"] = AsciiIntegerConverter
    app.register_blueprint(v1, url_prefix="/v1")
    app.register_blueprint(v2, url_prefix="/v2")
    app.register_error_handler(HTTPException, json_error)
    return app


app = create_app()

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
