"""The forms of the ``auth`` blueprint. A ``FlaskForm`` validates what was posted and
carries a CSRF token (the hidden field ``csrf_token``)."""

# TODO (d08): RegistrationForm(FlaskForm): username (3 to 32 of a-z, 0-9, _), email,
# password (at least 8 characters), confirm (EqualTo("password")), and validate_username /
# validate_email methods that refuse a taken one.

# TODO (d08): LoginForm(FlaskForm): email, password, remember (a BooleanField).
