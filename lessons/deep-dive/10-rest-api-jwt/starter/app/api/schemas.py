"""The API's marshmallow schemas: what a post looks like in JSON, and what a client may
send. The rules are those of the web form (``app/rules.py``)."""

# TODO (d10): PostInSchema (title, body, category required; tags a list of strings), each
# field validated by the rule in app/rules.py; PostOutSchema; TokenInSchema; TokenOutSchema;
# ErrorSchema (for the OpenAPI document).
