"""Lesson d04 · Your first Flask application (your starter).

Fill in every TODO until `mission check d04` is all green. The lesson's README.md has the
contract. Run the app with `python app.py` (or `flask --app app run --debug`).

Files you will add: templates/404.html and static/style.css.
"""

import os

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    # TODO: return render_template("index.html") instead of this placeholder.
    return "TODO: render templates/index.html"


# TODO: a route for /hello/<name> that renders templates/hello.html with the name.


# TODO: an error handler for 404 that renders templates/404.html (which extends
#   base.html and shows request.path), and answers with the status 404.


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
