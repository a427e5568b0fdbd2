"""The OpenAPI 3.1 document of the API, built from the marshmallow schemas."""

# TODO (d10): document(): {"openapi": "3.1.0", "info": ..., "paths": every path and method
# of the API, "components": {"schemas": built from the marshmallow schemas' fields}}.
