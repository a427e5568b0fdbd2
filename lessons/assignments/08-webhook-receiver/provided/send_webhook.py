"""Sign and send a webhook event, the way a real sender (a payment provider, say) does.

Standard library only, so it runs anywhere Python does. It prints what it sends and what
comes back. Each option shows one way a delivery can fail:

    python send_webhook.py                  # a fresh event, correctly signed: 200 received
    python send_webhook.py --secret wrong   # signed with another secret: 401
    python send_webhook.py --no-signature   # no X-Webhook-Signature header: 401
    python send_webhook.py --replay         # the same request twice: received, then duplicate
    python send_webhook.py --old            # signed 10 minutes ago, replayed now: 401

The secret is WEBHOOK_SECRET from the environment (the same development default as app.py
when it is not set). Exit status: 0 when the receiver answered, 1 when it could not be reached.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid

DEV_WEBHOOK_SECRET = "dev-webhook-secret-change-me"  # the same default as app.py
OLD = 600  # seconds: how far back --old signs, well past the receiver's 300 s window


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Webhook-Signature value: HMAC-SHA256 over "<timestamp>.<body>", in hex."""
    signed = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def send(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """POST ``body`` and return the status and the answer's text (errors included)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as error:  # 4xx and 5xx still carry an answer
        with error:
            return error.code, error.read().decode("utf-8", errors="replace")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Sign and send one webhook event.")
    parser.add_argument("--url", default="http://127.0.0.1:5000/webhook")
    parser.add_argument(
        "--secret",
        default=os.environ.get("WEBHOOK_SECRET") or DEV_WEBHOOK_SECRET,
        help="sign with this secret (default: WEBHOOK_SECRET)",
    )
    parser.add_argument("--type", default="order.paid", help="the event type")
    parser.add_argument("--id", help="the event id (default: a new random one)")
    parser.add_argument("--no-signature", action="store_true", help="leave the signature out")
    parser.add_argument("--replay", action="store_true", help="send the same request twice")
    parser.add_argument("--old", action="store_true", help=f"sign as of {OLD} s ago")
    args = parser.parse_args(argv)

    event = {
        "id": args.id or f"evt_{uuid.uuid4().hex[:12]}",
        "type": args.type,
        "data": {"order": 1042, "amount": 19.90, "currency": "EUR"},
    }
    body = json.dumps(event).encode()
    timestamp = str(int(time.time()) - (OLD if args.old else 0))
    headers = {"Content-Type": "application/json", "X-Webhook-Timestamp": timestamp}
    if not args.no_signature:
        headers["X-Webhook-Signature"] = sign(args.secret, timestamp, body)

    print(f"POST {args.url}")
    for name, value in headers.items():
        print(f"{name}: {value}")
    print(f"\n{body.decode()}\n")
    for _ in range(2 if args.replay else 1):
        try:
            status, text = send(args.url, body, headers)
        except OSError as error:
            print(f"Could not reach {args.url}: {error}. Is `python app.py` running?")
            return 1
        print(f"-> {status} {text.strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
