"""Lesson a03 · User Profile and Uploads (your starter).

Fill in every TODO until `mission check a03` is all green. The lesson's README.md has the
contract each route must keep. Run the app with `python app.py` (or `flask --app app run`).
"""

import os
import threading
from pathlib import Path

from flask import Flask, jsonify

app = Flask(__name__)
# TODO: refuse requests bigger than 2 MiB: app.config["MAX_CONTENT_LENGTH"] = ...

UPLOAD_DIR = Path(app.static_folder, "uploads")  # static/uploads/ next to this file
UPLOAD_DIR.mkdir(parents=True, exist_ok=True)

BIO_MAX = 500

# The extensions a client may send (lower-cased), and the image type each one promises.
EXTENSIONS = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".gif": "gif", ".webp": "webp"}
# The extension the app gives a stored file of each type (Flask serves it by extension).
STORED_EXTENSION = {"png": ".png", "jpeg": ".jpg", "gif": ".gif", "webp": ".webp"}

# Flask's development server answers requests on several threads at once; the lock makes
# every read-modify-write of a profile happen one request at a time.
lock = threading.Lock()
# username -> profile; "image" is the stored file's name in UPLOAD_DIR, or None.
profiles: dict[str, dict] = {
    "john_doe": {"username": "john_doe", "bio": "Builds rockets on weekends.", "image": None},
    "jane_doe": {"username": "jane_doe", "bio": "Flies whatever John builds.", "image": None},
}


def image_type(head: bytes) -> str | None:
    """The image type that the file's first bytes (its "magic number") announce, if any."""
    # TODO: return "png", "jpeg", "gif" or "webp" when head starts with that type's
    #   signature (the README's contract lists them), else None.
    return None


def not_implemented(what: str):
    """What every route answers until you write it."""
    return jsonify(error=f"Not implemented yet: {what}"), 501


@app.get("/profiles/<username>")
def get_profile(username: str):
    # TODO: answer 200 with {"username", "bio", "profile_image_url"}, or 404.
    #   profile_image_url is url_for("static", filename="uploads/" + name), or None.
    return not_implemented("GET /profiles/<username>")


@app.patch("/profiles/<username>")
def update_profile(username: str):
    # TODO: 404 for an unknown username; take request.form.get("bio"): 400 if it is
    #   missing or longer than 500 characters; otherwise store it and answer 200 with
    #   the profile.
    return not_implemented("PATCH /profiles/<username>")


@app.post("/profiles/<username>/upload-image")
def upload_image(username: str):
    # TODO: 404 for an unknown username; take request.files.get("file"): 400 if it is
    #   missing or its filename is empty; 415 unless its extension is in EXTENSIONS
    #   and image_type() of its first 12 bytes is the type the extension promises
    #   (read them with upload.stream.read(12), then upload.stream.seek(0)).
    #   Save it in UPLOAD_DIR under a new name: uuid.uuid4().hex + STORED_EXTENSION[type].
    #   Point the profile at it, delete the old file, and answer 200 with the profile.
    return not_implemented("POST /profiles/<username>/upload-image")


# TODO: an @app.after_request function that sets X-Content-Type-Options: nosniff.

# TODO: register an error handler for werkzeug.exceptions.HTTPException so that every
#   error (400, 404, 405, 413, 415) is answered as JSON {"error": "..."} instead of HTML.


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
