"""Checkpoints for a03 · User Profile and Uploads.

Only two profiles exist, so every checkpoint sets what it needs on them (a bio, an image
with unique bytes) and checks what it changed, never what it did not: they pass in any
order and against a server that already holds bios and images. The test images are made
from bytes here: a real signature at the start, unique bytes after it.
"""

import uuid
from urllib.parse import urlsplit

from mission_control.check import (
    checkpoint,
    expect,
    expect_equal,
    expect_method_not_allowed,
    expect_unknown_url_404,
    fail,
)

USERS = ("john_doe", "jane_doe")
UPLOADS = "/static/uploads/"
LIMIT = 2 * 1024 * 1024  # MAX_CONTENT_LENGTH: 2 MiB

SIGNATURES = {
    "png": b"\x89PNG\r\n\x1a\n",
    "jpeg": b"\xff\xd8\xff\xe0",
    "gif": b"GIF89a",
    "webp": b"RIFF\x24\x00\x00\x00WEBPVP8 ",
}
MIMETYPES = {"png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}

UPLOAD_HINT = (
    "In upload_image, take request.files.get('file'), check its extension and first bytes, "
    "save it in static/uploads/ under a new name (uuid.uuid4().hex + the extension), and "
    "answer 200 with the profile, whose profile_image_url is "
    "url_for('static', filename='uploads/' + name)."
)
JSON_ERRORS_HINT = (
    "Register one handler with @app.errorhandler(HTTPException) that answers "
    "jsonify(error=error.description) with error.code, as in lesson a01."
)


def image(kind: str = "png", size: int = 0) -> bytes:
    """Bytes that start like an image of ``kind`` and are unique to this call."""
    body = SIGNATURES[kind] + uuid.uuid4().bytes * 4
    if size > len(body):
        body += bytes(size - len(body))
    return body


def image_path(profile: dict, response, before: str = "") -> str:
    """The path of profile_image_url; fail unless it is a URL under /static/uploads/."""
    url = profile.get("profile_image_url")
    path = urlsplit(url).path if isinstance(url, str) else ""
    expect(
        path.startswith(UPLOADS) and len(path) > len(UPLOADS),
        f"profile_image_url to be {before}a URL under /static/uploads/ "
        '(like "/static/uploads/3f2b9c….png")',
        repr(url),
        response=response,
    )
    return path


def expect_profile(profile, username: str, response) -> dict:
    """Fail unless ``profile`` is {"username": ..., "bio": str, "profile_image_url": ...}."""
    ok = (
        isinstance(profile, dict)
        and isinstance(profile.get("bio"), str)
        and "profile_image_url" in profile
        and (profile["profile_image_url"] is None or isinstance(profile["profile_image_url"], str))
    )
    expect(
        ok,
        'a profile like {"username": "john_doe", "bio": "…", "profile_image_url": null}',
        repr(profile),
        response=response,
    )
    expect_equal(profile.get("username"), username, '"username"', response=response)
    if profile["profile_image_url"] is not None:
        image_path(profile, response, "null until an image is uploaded, then ")
    return profile


def upload(client, username: str, filename: str, content: bytes, mimetype: str = ""):
    """POST ``content`` as the multipart field ``file``; return the response."""
    extension = filename.rsplit(".", 1)[-1].lower()
    mimetype = mimetype or MIMETYPES.get({"jpg": "jpeg"}.get(extension, extension), "")
    return client.post(
        f"/profiles/{username}/upload-image",
        files={"file": (filename, content, mimetype or "application/octet-stream")},
    )


def upload_ok(client, username: str, filename: str, content: bytes, hint: str = UPLOAD_HINT):
    """Upload an image that must be accepted; return the path it is served at."""
    r = upload(client, username, filename, content)
    r.expect_status(200, hint=hint)
    profile = expect_profile(r.expect_json(dict, hint=hint), username, r)
    return image_path(profile, r)


SERVED_HINT = (
    "Save the file in static/uploads/ (next to app.py) under the name its URL shows: Flask "
    "serves the static folder for you."
)


def expect_served(
    client, path: str, content: bytes, mimetype: str, missing_hint: str = SERVED_HINT
) -> None:
    """Fail unless ``path`` serves exactly ``content`` as ``mimetype``."""
    r = client.get(path)
    r.expect_status(200, hint=missing_hint)
    expect(
        r.data == content,
        f"the image served at {path} to be the {len(content):,} bytes that were uploaded",
        f"{len(r.data):,} other bytes",
        hint="Save the uploaded file unchanged: upload.save(path), after stream.seek(0) if "
        "you read its first bytes.",
        response=r,
    )
    expect_equal(
        r.content_type,
        mimetype,
        f"the Content-Type of {path}",
        hint="Flask picks the Content-Type from the stored file's extension: give the stored "
        "name the extension of the image type you found.",
        response=r,
    )


def current_image(client, username: str) -> str | None:
    r = client.get(f"/profiles/{username}")
    r.expect_status(200)
    profile = expect_profile(r.expect_json(dict), username, r)
    return profile["profile_image_url"] and image_path(profile, r)


@checkpoint(
    "get-profile",
    hint="Look the username up in the profiles dict and answer jsonify(...) of "
    '{"username", "bio", "profile_image_url"}.',
)
def test_get_profile(client):
    """GET /profiles/<username> answers 200 with the profile, for john_doe and jane_doe"""
    for username in USERS:
        r = client.get(f"/profiles/{username}")
        r.expect_status(200)
        expect_profile(r.expect_json(dict), username, r)


@checkpoint(
    "unknown-profile-404",
    hint="When the username is not in the profiles dict, abort(404) in every route, before "
    "reading the form or the file; your JSON error handler does the rest.",
)
def test_unknown_profile_404(client):
    """GET, PATCH and upload-image answer 404 with a JSON error for a username that does
    not exist"""
    nobody = f"nobody_{uuid.uuid4().hex[:8]}"
    client.get(f"/profiles/{nobody}").expect_error(404)
    client.patch(f"/profiles/{nobody}", data={"bio": "Hello"}).expect_error(404)
    upload(client, nobody, "avatar.png", image("png")).expect_error(404)


@checkpoint(
    "update-bio",
    requires="get-profile",
    hint="Read request.form.get('bio'), store it in the profile exactly as sent (no strip()), "
    "and answer 200 with the profile. An empty bio is allowed, and so are exactly 500 "
    "characters.",
)
def test_update_bio(client):
    """PATCH /profiles/<username> with the form field bio answers 200 with the new bio,
    and GET shows it"""
    bio = f"Test pilot, call sign {uuid.uuid4().hex[:6]}."
    r = client.patch("/profiles/jane_doe", data={"bio": bio})
    r.expect_status(200)
    expect_equal(
        expect_profile(r.expect_json(dict), "jane_doe", r)["bio"], bio, "the bio", response=r
    )
    r = client.get("/profiles/jane_doe")
    expect_equal(r.expect_json(dict).get("bio"), bio, "the bio GET shows", response=r)
    for bio in ("", "é" * 500, f"Two\nlines {uuid.uuid4().hex[:6]}", "  Spaces kept  \n"):
        r = client.patch("/profiles/john_doe", data={"bio": bio})
        r.expect_status(200)
        expect_equal(r.expect_json(dict).get("bio"), bio, "the bio", response=r)


@checkpoint(
    "update-bio-validates",
    requires="get-profile",
    hint="If 'bio' is not in request.form, or len(bio) > 500, abort(400) before changing anything.",
)
def test_update_bio_validates(client):
    """PATCH /profiles/<username> answers 400 for a missing or too long bio, and changes
    nothing"""
    bio = f"Unchanged {uuid.uuid4().hex[:8]}"
    client.patch("/profiles/john_doe", data={"bio": bio}).expect_status(200)
    client.patch("/profiles/john_doe", data={"bio": "x" * 501}).expect_error(400)
    client.patch("/profiles/john_doe", data={"biography": "Hello"}).expect_error(400)
    client.patch("/profiles/john_doe").expect_error(400)
    r = client.get("/profiles/john_doe")
    expect_equal(r.expect_json(dict).get("bio"), bio, "the bio after refused changes", response=r)


@checkpoint("upload-image", requires="get-profile", hint=UPLOAD_HINT)
def test_upload_image(client):
    """POST /profiles/<username>/upload-image stores a PNG and answers 200 with the profile;
    the image is served at its profile_image_url, byte for byte"""
    content = image("png")
    path = upload_ok(client, "john_doe", "avatar.png", content)
    expect_served(client, path, content, "image/png")
    expect_equal(current_image(client, "john_doe"), path, "the image path GET shows")


@checkpoint(
    "upload-every-type",
    requires="upload-image",
    hint="Accept .png, .jpg, .jpeg, .gif and .webp in any case (compare the extension "
    "lower-cased), and store each under the extension of its type.",
)
def test_upload_every_type(client):
    """JPEG (.jpg or .jpeg), GIF and WebP uploads are accepted too, in any letter case (and
    a file named just .png), and served with their own Content-Type"""
    hint = (
        "Accept .png, .jpg, .jpeg, .gif and .webp in any letter case: take the part of the "
        "filename after its last dot (filename.rpartition('.')), lower-cased. "
        "os.path.splitext finds no extension in '.png'."
    )
    for filename, kind in (
        ("photo.jpg", "jpeg"),
        ("photo.jpeg", "jpeg"),
        ("PHOTO.JPG", "jpeg"),
        ("wave.gif", "gif"),
        ("sunset.webp", "webp"),
        ("Avatar.PNG", "png"),
        (".png", "png"),
    ):
        content = image(kind)
        path = upload_ok(client, "jane_doe", filename, content, hint)
        expect_served(client, path, content, MIMETYPES[kind])


@checkpoint(
    "served-nosniff",
    requires="upload-image",
    hint="Add the header in an @app.after_request function: "
    'response.headers["X-Content-Type-Options"] = "nosniff".',
)
def test_served_nosniff(client):
    """Uploaded images are served with X-Content-Type-Options: nosniff"""
    path = upload_ok(client, "jane_doe", "avatar.png", image("png"))
    r = client.get(path)
    r.expect_status(200)
    r.expect_header(
        "X-Content-Type-Options",
        lambda value: value.strip().lower() == "nosniff",
        expected="nosniff",
    )


@checkpoint(
    "upload-checks-extension",
    hint="Take the extension (the part of the filename after its last dot, lower-cased) and "
    "refuse with abort(415) unless it is .png, .jpg, .jpeg, .gif or .webp: for "
    "avatar.png.php it is .php.",
)
def test_upload_checks_extension(client):
    """An upload whose filename does not end in .png, .jpg, .jpeg, .gif or .webp answers 415,
    even if its bytes are an image"""
    for filename in ("notes.txt", "avatar.png.php", "avatar", "avatar.svg", "avatar.html"):
        upload(client, "john_doe", filename, image("png"), "image/png").expect_error(415)


@checkpoint(
    "upload-checks-first-bytes",
    hint="Read the first 12 bytes (upload.stream.read(12), then upload.stream.seek(0)) and "
    "compare them with the signature of the type the extension promises; abort(415) if "
    "they do not match.",
)
def test_upload_checks_first_bytes(client):
    """An upload whose first bytes are not the image its extension promises answers 415"""
    for filename, content in (
        ("evil.png", b"<?php system($_GET['cmd']); ?>"),
        ("page.gif", b"<html><script>alert(1)</script></html>"),
        ("empty.png", b""),
        ("photo.jpg", image("png")),
        ("wave.gif", image("webp")),
        ("sunset.webp", b"RIFF\x24\x00\x00\x00WAVEfmt " + uuid.uuid4().bytes),
        ("short.jpeg", b"\xff\xd8"),
    ):
        upload(client, "john_doe", filename, content).expect_error(415)


@checkpoint(
    "upload-missing-file-400",
    hint="request.files.get('file') is None when the field is missing; a file chosen "
    "without a name has filename == ''. Both are a 400.",
)
def test_upload_missing_file_400(client):
    """An upload without the field file, or with an empty filename, answers 400"""
    client.post(
        "/profiles/john_doe/upload-image",
        files={"avatar": ("avatar.png", image("png"), "image/png")},
    ).expect_error(400)
    client.post(
        "/profiles/john_doe/upload-image",
        files={"file": ("", b"", "application/octet-stream")},
    ).expect_error(400)
    client.post("/profiles/john_doe/upload-image", data={"file": "avatar.png"}).expect_error(400)


@checkpoint(
    "upload-too-large-413",
    hint='Set app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024: Flask then refuses a '
    "bigger request with 413, and your JSON error handler answers it.",
)
def test_upload_too_large_413(client):
    """An upload over 2 MiB answers 413 with a JSON error; a 1.5 MiB image is accepted"""
    r = upload(client, "jane_doe", "huge.png", image("png", LIMIT + 1024))
    r.expect_error(413)
    content = image("png", 3 * LIMIT // 4)
    r = upload(client, "jane_doe", "big.png", content)
    r.expect_status(
        200, hint="1.5 MiB is under the 2 MiB limit: is MAX_CONTENT_LENGTH set to 2 * 1024 * 1024?"
    )
    profile = expect_profile(r.expect_json(dict), "jane_doe", r)
    expect_served(client, image_path(profile, r), content, "image/png")


@checkpoint(
    "stored-name-generated",
    requires="upload-image",
    hint="Never build the stored name from upload.filename, not even through "
    "secure_filename: make a new one with uuid.uuid4().hex and add the extension.",
)
def test_stored_name_generated(client):
    """The stored file gets a name made by the app: two users uploading avatar.png get
    two files, and ../../etc/passwd.png or a non-ASCII name is stored safely"""
    john, jane = image("png"), image("png")
    john_path = upload_ok(client, "john_doe", "avatar.png", john)
    jane_path = upload_ok(client, "jane_doe", "avatar.png", jane)
    expect(
        john_path != jane_path,
        "two different files for two users who both upload avatar.png",
        f"both at {john_path}",
    )
    expect_served(client, john_path, john, "image/png")
    expect_served(client, jane_path, jane, "image/png")

    for filename, client_words in (
        ("avatar.png", ("avatar",)),
        ("../../etc/passwd.png", ("passwd", "etc", "..")),
        ("фото.png", ("фото",)),
        ("my photo.png", ("photo",)),
    ):
        content = image("png")
        r = upload(client, "john_doe", filename, content)
        r.expect_status(200, hint=UPLOAD_HINT)
        path = image_path(expect_profile(r.expect_json(dict), "john_doe", r), r)
        name = path.rsplit("/", 1)[-1]
        for word in client_words:
            if word in name or word in path.removeprefix(UPLOADS):
                fail(
                    f"expected a stored name made by the app for an upload named {filename!r}, "
                    f"not {name!r}, which comes from the client's filename",
                    response=r,
                )
        expect_served(client, path, content, "image/png")


@checkpoint(
    "replace-removes-old",
    requires="upload-image",
    hint="When a profile gets a new image, delete the old file: "
    "(UPLOAD_DIR / old_name).unlink(missing_ok=True).",
)
def test_replace_removes_old(client):
    """Uploading a new image removes the old file: its URL answers 404"""
    first, second = image("png"), image("gif")
    old = upload_ok(client, "jane_doe", "first.png", first)
    new = upload_ok(client, "jane_doe", "second.gif", second)
    expect(old != new, "the new image at a new URL", f"the same URL {new}")
    r = client.get(old)
    r.expect_status(404)
    expect_served(client, new, second, "image/gif")
    expect_equal(current_image(client, "jane_doe"), new, "the image path GET shows")


@checkpoint(
    "refused-upload-changes-nothing",
    requires="upload-image",
    hint="Do every check before touching the disk or the profile: only a file that passed "
    "is saved, and only then is the old one removed.",
)
def test_refused_upload_changes_nothing(client):
    """A refused upload (400, 413 or 415) leaves the profile and its current image as they were"""
    content = image("jpeg")
    path = upload_ok(client, "john_doe", "keep.jpg", content)
    gone = (
        "The profile's image disappeared after a refused upload: remove the old file only "
        "after the new one has passed every check and has been saved."
    )
    refused = (
        (415, "notes.txt", b"just text"),
        (415, "fake.png", b"<html>not an image</html>"),
        (415, "photo.jpg", image("png")),
        (413, "huge.png", image("png", LIMIT + 1024)),
    )
    for status, filename, bad in refused:
        upload(client, "john_doe", filename, bad).expect_error(status)
        expect_equal(current_image(client, "john_doe"), path, f"the image path after a {status}")
        expect_served(client, path, content, "image/jpeg", gone)
    client.post(
        "/profiles/john_doe/upload-image", files={"photo": ("a.png", image("png"), "image/png")}
    ).expect_error(400)
    expect_equal(current_image(client, "john_doe"), path, "the image path after a 400")
    expect_served(client, path, content, "image/jpeg", gone)


@checkpoint("json-errors", hint=JSON_ERRORS_HINT + " Keep error.get_headers() for Allow.")
def test_json_errors(client):
    """An unknown URL answers 404 and a method a route does not accept answers 405, both
    with a JSON error"""
    expect_unknown_url_404(client)
    expect_method_not_allowed(client, "DELETE", "/profiles/john_doe")
