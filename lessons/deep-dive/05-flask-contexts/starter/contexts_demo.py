"""Flask's contexts without a server: run `python contexts_demo.py` (your starter).

When it is done it prints, in order:
    outside: Working outside of request context.
    app context: app
    request context: POST /hello
"""

from app import app  # noqa: F401
from flask import current_app, request  # noqa: F401 (you will use them)

# TODO 1: read request.method outside of any context; catch the RuntimeError and print
#   "outside: " followed by the first line of its message.

# TODO 2: inside `with app.app_context():`, print "app context: " and current_app.name.

# TODO 3: inside `with app.test_request_context("/hello", method="POST"):`, print
#   "request context: " followed by request.method and request.path.

print("TODO: contexts_demo.py prints nothing useful yet")
