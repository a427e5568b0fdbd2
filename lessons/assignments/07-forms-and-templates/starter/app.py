"""Lesson a07 · Form Handling & Jinja2 Templates (your starter).

Fill in every TODO (here and in templates/) until `mission check a07` is all green. The
lesson's README.md has the contract. Run the app with `python app.py`.
"""

import os
import re
import threading

from flask import Flask, render_template

app = Flask(__name__)

NAME_MIN, NAME_MAX = 2, 100
EMAIL_MAX = 254
# One "@", no spaces, and a dot inside the domain (not at either end of it).
EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")

lock = threading.Lock()  # the development server answers on several threads
subscribers: list[dict] = []  # {"name", "email", "subscribed_at"}, oldest first


def validate(name: str, email: str) -> dict[str, str]:
    """One message per field that breaks a rule; empty when the form is fine."""
    # TODO: name 2-100 characters; email matches EMAIL, at most 254 characters, and is
    #   not subscribed already (compare with .lower()).
    return {}


@app.get("/")
def index():
    return render_template("index.html", values={}, errors={})


@app.post("/subscribe")
def subscribe():
    # TODO: read request.form (strip both fields), validate, and either render index.html
    #   again with the values and errors and 422, or store the subscriber and render
    #   success.html (200).
    return render_template("index.html", values={}, errors={}), 501


@app.get("/subscribers")
def list_subscribers():
    # TODO: render subscribers.html with the subscribers newest first.
    return render_template("subscribers.html", subscribers=[]), 501


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
