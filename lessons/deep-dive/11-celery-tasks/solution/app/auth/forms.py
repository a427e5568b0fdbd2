"""The forms of the ``auth`` blueprint. A ``FlaskForm`` validates what was posted and
carries a CSRF token (the hidden field ``csrf_token``)."""

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp, ValidationError

from app.extensions import db
from app.models import EMAIL, PASSWORD_MIN, USERNAME, User


class RegistrationForm(FlaskForm):
    username = StringField(
        "Username",
        validators=[
            DataRequired(),
            Regexp(USERNAME, message="3 to 32 characters of a-z, 0-9 and _"),
        ],
    )
    email = EmailField(
        "Email", validators=[DataRequired(), Regexp(EMAIL, message="Not an email address")]
    )
    password = PasswordField(
        "Password",
        validators=[
            DataRequired(),
            Length(min=PASSWORD_MIN, message=f"At least {PASSWORD_MIN} characters"),
        ],
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", message="The passwords differ")],
    )

    def validate_username(self, field):
        """Called by ``validate()`` for the field ``username`` (WTForms finds it by name)."""
        if db.session.scalar(select(User.id).filter_by(username=field.data)):
            raise ValidationError("That username is taken")

    def validate_email(self, field):
        if db.session.scalar(select(User.id).filter_by(email=field.data)):
            raise ValidationError("That email is already registered")


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Keep me logged in")
