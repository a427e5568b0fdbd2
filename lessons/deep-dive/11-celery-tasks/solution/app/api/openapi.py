"""The OpenAPI 3.1 document of the API, built from the marshmallow schemas, so that it
says what the code checks."""

from flask import url_for
from marshmallow import fields, validate

from app.api import schemas
from app.api.errors import CODES

TYPES = {
    fields.Integer: "integer",
    fields.String: "string",
    fields.Boolean: "boolean",
    fields.List: "array",
    fields.Dict: "object",
}


def field_schema(field):
    """The JSON Schema of one marshmallow field (type, choices, format)."""
    kind = next((name for cls, name in TYPES.items() if isinstance(field, cls)), "string")
    out = {"type": kind}
    if isinstance(field, fields.List):
        out["items"] = field_schema(field.inner)
    for validator in field.validators:
        if isinstance(validator, validate.OneOf):
            out["enum"] = list(validator.choices)
    if "format" in field.metadata:
        out["format"] = field.metadata["format"]
    return out


def component(schema_class):
    schema = schema_class()
    props = {f.data_key or name: field_schema(f) for name, f in schema.fields.items()}
    required = [f.data_key or name for name, f in schema.fields.items() if f.required]
    out = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    return out


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(name):
    return {"content": {"application/json": {"schema": ref(name)}}}


def errors(*codes):
    return {str(code): {"description": CODES[code], **json_content("Error")} for code in codes}


def document():
    post_id = {
        "name": "post_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 0, "maximum": 2147483647},
    }
    bearer = [{"bearerAuth": []}]
    page_params = [
        {
            "name": "page",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": 1000000, "default": 1},
        },
        {
            "name": "per_page",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
        },
    ]
    post_list = {
        "type": "object",
        "properties": {
            "posts": {"type": "array", "items": ref("Post")},
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "pages": {"type": "integer"},
            "links": {"type": "object"},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Blog API", "version": "1.0.0"},
        "servers": [{"url": url_for("api.list_posts", _external=True).rsplit("/posts", 1)[0]}],
        "paths": {
            "/tokens": {
                "post": {
                    "summary": "Exchange an email and password for an access token",
                    "requestBody": {"required": True, **json_content("TokenRequest")},
                    "responses": {
                        "200": {"description": "a token", **json_content("Token")},
                        **errors(400, 401, 415, 422),
                    },
                }
            },
            "/posts": {
                "get": {
                    "summary": "The posts, newest first",
                    "parameters": page_params,
                    "responses": {
                        "200": {
                            "description": "a page of posts",
                            "content": {"application/json": {"schema": post_list}},
                        },
                        **errors(400),
                    },
                },
                "post": {
                    "summary": "Publish a post",
                    "security": bearer,
                    "requestBody": {"required": True, **json_content("PostInput")},
                    "responses": {
                        "201": {"description": "the new post", **json_content("Post")},
                        **errors(400, 401, 415, 422),
                    },
                },
            },
            "/posts/{post_id}": {
                "parameters": [post_id],
                "get": {
                    "summary": "One post",
                    "responses": {
                        "200": {"description": "the post", **json_content("Post")},
                        **errors(404),
                    },
                },
                "patch": {
                    "summary": "Change a post (its author only)",
                    "security": bearer,
                    "requestBody": {"required": True, **json_content("PostInput")},
                    "responses": {
                        "200": {"description": "the post", **json_content("Post")},
                        **errors(400, 401, 403, 404, 415, 422),
                    },
                },
                "delete": {
                    "summary": "Delete a post (its author only)",
                    "security": bearer,
                    "responses": {"204": {"description": "deleted"}, **errors(401, 403, 404)},
                },
            },
        },
        "components": {
            "schemas": {
                "Post": component(schemas.PostOutSchema),
                "PostInput": component(schemas.PostInSchema),
                "TokenRequest": component(schemas.TokenInSchema),
                "Token": component(schemas.TokenOutSchema),
                "Error": component(schemas.ErrorSchema),
            },
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }
