"""The forms of the ``main`` blueprint: writing and editing a post."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileSize
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from app.models import BODY_MAX, CATEGORIES, TAG_NAME, TAGS_MAX, TITLE_MAX, TITLE_MIN
from app.uploads import IMAGE_EXTENSIONS, IMAGE_MAX, matches_extension


def parse_tags(text):
    """``"flask, sql"`` -> ``["flask", "sql"]``: trimmed, empty parts dropped, each once."""
    return list(dict.fromkeys(part.strip() for part in (text or "").split(",") if part.strip()))


class PostForm(FlaskForm):
    title = StringField(
        "Title",
        validators=[
            DataRequired(),
            Length(min=TITLE_MIN, max=TITLE_MAX, message=f"{TITLE_MIN} to {TITLE_MAX} characters"),
        ],
    )
    body = TextAreaField(
        "Text", validators=[DataRequired(), Length(max=BODY_MAX, message=f"At most {BODY_MAX:,}")]
    )
    # choices also validate: a value that is not one of them is refused ("Not a valid choice")
    category = SelectField("Category", choices=list(CATEGORIES))
    tags = StringField("Tags, separated by commas")
    image = FileField(
        "Image (jpg, png or gif, at most 2 MB)",
        validators=[
            FileAllowed(IMAGE_EXTENSIONS, "Only jpg, png or gif images"),
            FileSize(max_size=IMAGE_MAX, message="At most 2 MB"),
        ],
    )

    def validate_title(self, field):
        """A rule of this blog, not of any field type: WTForms calls validate_<name>."""
        if "spam" in field.data.lower():
            raise ValidationError("No spam, please")

    def validate_tags(self, field):
        names = parse_tags(field.data)
        if len(names) > TAGS_MAX:
            raise ValidationError(f"At most {TAGS_MAX} tags")
        for name in names:
            if not TAG_NAME.fullmatch(name):
                raise ValidationError(f"{name!r}: 1 to 20 characters of a-z, 0-9 and -")

    def validate_image(self, field):
        """The name says png; the first bytes must say so too (a renamed script is no image)."""
        upload = field.data
        if upload and getattr(upload, "filename", "") and not matches_extension(upload):
            raise ValidationError("That file is not the image its name says")
