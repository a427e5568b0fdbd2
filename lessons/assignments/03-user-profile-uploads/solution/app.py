"""Lesson a03 · User Profile and Uploads (reference solution).

Two user profiles, each with a bio (changed with a form) and a profile picture (uploaded as
a multipart file). An upload is accepted only when its extension and its first bytes both
say PNG, JPEG, GIF or WebP; it is stored under a name the app makes up, and served from
/static/uploads/ with a header that stops browsers from guessing another type.
"""

import os
import threading
import uuid
from pathlib import Path

from flask import Flask, abort, jsonify, request, url_for
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

app = Flask(__name__)
# A bigger request is refused with 413 before any of it reaches a view.
app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024  # 2 MiB

UPLOAD_DIR = Path(app.static_folder, "uploads")
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
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def public(profile: dict) -> dict:
    """A profile as the API shows it."""
    image = profile["image"]
    return {
        "username": profile["username"],
        "bio": profile["bio"],
        "profile_image_url": url_for("static", filename=f"uploads/{image}") if image else None,
    }


def find(username: str) -> dict:
    profile = profiles.get(username)
    if profile is None:
        abort(404, description=f"There is no profile {username!r}.")
    return profile


def checked_upload() -> tuple[FileStorage, str]:
    """The uploaded file and its image type; 400 or 415 if it cannot be accepted.

    Nothing is written to disk here: the checks read the first bytes from the upload Werkzeug
    already holds (in memory or in a temporary file), so a refused file leaves nothing behind.
    """
    upload = request.files.get("file")  # raises 413 if the body is over MAX_CONTENT_LENGTH
    if upload is None or not upload.filename:
        abort(400, description="Send the image as a file in the multipart form field 'file'.")
    # The extension is what follows the last dot (os.path.splitext would see none in ".png").
    _, dot, after = upload.filename.rpartition(".")
    extension = f".{after.lower()}" if dot else ""
    promised = EXTENSIONS.get(extension)
    if promised is None:
        abort(415, description="Only .png, .jpg, .jpeg, .gif and .webp files are accepted.")
    head = upload.stream.read(12)
    upload.stream.seek(0)
    found = image_type(head)
    if found != promised:
        abort(
            415,
            description=f"The file is named {extension} but its content is "
            + (f"a {found.upper()} image." if found else "not a PNG, JPEG, GIF or WebP image."),
        )
    return upload, found


def save_complete(upload: FileStorage, destination: Path) -> None:
    """Write the upload to ``destination`` in full or not at all.

    It is written under a temporary name first and renamed when complete, so a failure while
    writing (a full disk, say) never leaves a half-written image where the app serves it.
    """
    partial = destination.with_name(f".{destination.name}.part")
    try:
        upload.save(partial)
        os.replace(partial, destination)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


@app.get("/profiles/<username>")
def get_profile(username: str):
    with lock:
        return jsonify(public(find(username)))


@app.patch("/profiles/<username>")
def update_profile(username: str):
    find(username)
    bio = request.form.get("bio")
    if bio is None:
        abort(400, description="Send the new bio in the form field 'bio'.")
    if len(bio) > BIO_MAX:
        abort(400, description=f"'bio' must be at most {BIO_MAX} characters.")
    with lock:
        profile = find(username)
        profile["bio"] = bio
        return jsonify(public(profile))


@app.post("/profiles/<username>/upload-image")
def upload_image(username: str):
    find(username)
    upload, kind = checked_upload()
    # The stored name is made up here: nothing of the client's filename reaches the disk.
    name = uuid.uuid4().hex + STORED_EXTENSION[kind]
    save_complete(upload, UPLOAD_DIR / name)
    with lock:
        profile = find(username)
        old, profile["image"] = profile["image"], name
        body = public(profile)
    if old:
        (UPLOAD_DIR / old).unlink(missing_ok=True)
    return jsonify(body)


@app.after_request
def no_sniffing(response):
    # Browsers must use the Content-Type we send, never guess one from the bytes: an
    # "image" that is really HTML or JavaScript then cannot run as a page.
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@app.errorhandler(HTTPException)
def json_error(error: HTTPException):
    """Every HTTP error as JSON (413 included), keeping the headers Werkzeug sets."""
    description = error.description
    if isinstance(error, RequestEntityTooLarge):
        description = "The request is larger than the 2 MiB limit: send a smaller image."
    response = jsonify(error=description)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response, error.code


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
