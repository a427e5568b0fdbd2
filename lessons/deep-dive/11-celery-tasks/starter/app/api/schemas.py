"""The API's marshmallow schemas: what a post looks like in JSON, and what a client may
send. The rules are those of the web form (``app/rules.py``)."""

from marshmallow import Schema, ValidationError, fields, validate

from app import rules
from app.models import CATEGORIES


def rule(check):
    """A marshmallow validator that runs one of ``app.rules``."""

    def validator(value):
        try:
            check(value)
        except ValueError as error:
            raise ValidationError(str(error)) from None

    return validator


class PostInSchema(Schema):
    """What POST (every field but tags required) and PATCH (any of them) accept."""

    title = fields.String(required=True, validate=rule(rules.check_title))
    body = fields.String(required=True, validate=rule(rules.check_body))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    tags = fields.List(fields.String(), load_default=list, validate=rule(rules.check_tags))


class PostOutSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    body = fields.String()
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    tags = fields.List(fields.String())
    author = fields.String()
    created_at = fields.String(metadata={"format": "date-time"})
    url = fields.String(metadata={"format": "uri"})


class TokenInSchema(Schema):
    email = fields.String(required=True)
    password = fields.String(required=True)


class TokenOutSchema(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()


class ErrorSchema(Schema):
    error = fields.String(required=True)
    message = fields.String(required=True)
    fields_ = fields.Dict(data_key="fields")
