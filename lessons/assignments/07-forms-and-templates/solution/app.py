"""Lesson a07 · Form Handling & Jinja2 Templates (reference solution).

A newsletter sign-up: the form, its rules checked on the server, a success page and the list
of subscribers, all rendered from Jinja2 templates in templates/. Subscribers are kept in
memory (a real app would use a database, as a02 does).
"""

import os
import re
import threading
from datetime import UTC, datetime

from flask import Flask, render_template, request

app = Flask(__name__)

NAME_MIN, NAME_MAX = 2, 100
EMAIL_MAX = 254
# One "@", no spaces, and a dot inside the domain (not at either end of it).
EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")

lock = threading.Lock()  # the development server answers on several threads
subscribers: list[dict] = []  # {"name", "email", "subscribed_at"}, oldest first


def validate(name: str, email: str) -> dict[str, str]:
    """One message per field that breaks a rule; empty when the form is fine."""
    errors = {}
    if not NAME_MIN <= len(name) <= NAME_MAX:
        errors["name"] = f"Enter a name of {NAME_MIN} to {NAME_MAX} characters."
    if len(email) > EMAIL_MAX or not EMAIL.match(email):
        errors["email"] = "Enter an email address like ana@example.com."
    elif any(s["email"].lower() == email.lower() for s in subscribers):
        errors["email"] = "This email address is already subscribed."
    return errors


@app.get("/")
def index():
    return render_template("index.html", values={}, errors={})


@app.post("/subscribe")
def subscribe():
    values = {
        "name": request.form.get("name", "").strip(),
        "email": request.form.get("email", "").strip(),
    }
    with lock:  # the duplicate check and the append happen as one step
        errors = validate(values["name"], values["email"])
        if not errors:
            subscriber = {**values, "subscribed_at": datetime.now(UTC)}
            subscribers.append(subscriber)
    if errors:
        return render_template("index.html", values=values, errors=errors), 422
    return render_template("success.html", subscriber=subscriber)


@app.get("/subscribers")
def list_subscribers():
    with lock:
        newest_first = list(reversed(subscribers))
    return render_template("subscribers.html", subscribers=newest_first)


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
