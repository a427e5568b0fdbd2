"""Lesson d04 · Your first Flask application (reference solution).

Three pages rendered from Jinja templates that share one base layout, a stylesheet served
from static/, and a custom 404 page. Every URL in the pages is built with url_for.
"""

import os

from flask import Flask, render_template, request

app = Flask(__name__)


@app.get("/")
def index():
    return render_template("index.html")


@app.get("/hello/<name>")
def hello(name: str):
    # Jinja escapes {{ name }} in .html templates, so a name like <script> stays text.
    return render_template("hello.html", name=name)


@app.errorhandler(404)
def page_not_found(error):
    # The status goes with the page: without `, 404` Flask would answer 200 OK.
    return render_template("404.html", path=request.path), 404


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
