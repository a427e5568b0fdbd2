"""Flask's contexts without a server: run `python contexts_demo.py`.

It prints, in order:
    outside: Working outside of request context.
    app context: app
    request context: POST /hello
"""

from app import app
from flask import current_app, request

# 1. No context at all: the proxy has nothing to point at, and says so.
try:
    print(request.method)  # raises: there is no request here
except RuntimeError as error:
    print(f"outside: {str(error).splitlines()[0]}")

# 2. An app context: current_app (and g) work, request still does not.
with app.app_context():
    print(f"app context: {current_app.name}")

# 3. A request context for a request that never went over the network.
with app.test_request_context("/hello", method="POST"):
    print(f"request context: {request.method} {request.path}")
