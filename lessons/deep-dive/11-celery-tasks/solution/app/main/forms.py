"""The forms of the ``main`` blueprint: writing and editing a post.

The post's rules live in ``app/rules.py``, shared with the API (d10); each field here
calls its rule through ``rule()``.
"""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileSize
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, ValidationError

from app import rules
from app.models import CATEGORIES
from app.uploads import IMAGE_EXTENSIONS, IMAGE_MAX, matches_extension


def parse_tags(text):
    """``"flask, sql"`` -> ``["flask", "sql"]``: trimmed, empty parts dropped, each once."""
    return list(dict.fromkeys(part.strip() for part in (text or "").split(",") if part.strip()))


def rule(check, convert=lambda value: value):
    """A WTForms validator that runs one of ``app.rules`` on the field's value."""

    def validator(form, field):
        try:
            check(convert(field.data or ""))
        except ValueError as error:
            raise ValidationError(str(error)) from None

    return validator


class PostForm(FlaskForm):
    title = StringField("Title", validators=[InputRequired(), rule(rules.check_title)])
    body = TextAreaField("Text", validators=[InputRequired(), rule(rules.check_body)])
    # choices also validate: a value that is not one of them is refused ("Not a valid choice")
    category = SelectField("Category", choices=list(CATEGORIES))
    tags = StringField("Tags, separated by commas", validators=[rule(rules.check_tags, parse_tags)])
    image = FileField(
        "Image (jpg, png or gif, at most 2 MB)",
        validators=[
            FileAllowed(IMAGE_EXTENSIONS, "Only jpg, png or gif images"),
            FileSize(max_size=IMAGE_MAX, message="At most 2 MB"),
        ],
    )

    def validate_image(self, field):
        """The name says png; the first bytes must say so too (a renamed script is no image)."""
        upload = field.data
        if upload and getattr(upload, "filename", "") and not matches_extension(upload):
            raise ValidationError("That file is not the image its name says")
