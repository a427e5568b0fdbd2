"""Uploaded images: checked by their first bytes, stored under generated names in the
instance folder, served with ``send_from_directory``."""

import secrets
from pathlib import Path

from flask import current_app

IMAGE_EXTENSIONS = ("jpg", "jpeg", "png", "gif")
IMAGE_MAX = 2 * 1024 * 1024  # bytes
# The first bytes of each format ("magic numbers"), by extension.
SIGNATURES = {
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "gif": (b"GIF87a", b"GIF89a"),
}


def extension(filename):
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def matches_extension(upload):
    """True when the file's first bytes are those of the format its name says."""
    head = upload.stream.read(8)
    upload.stream.seek(0)
    return head.startswith(SIGNATURES.get(extension(upload.filename), (b"\0invalid",)))


def upload_folder():
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_image(upload):
    """Store ``upload`` under a new random name (never the visitor's own file name, which
    could be ``../../app.py``) and return that name."""
    name = f"{secrets.token_hex(16)}.{extension(upload.filename)}"
    upload.save(upload_folder() / name)
    return name
