"""The ``auth`` blueprint, under ``/auth``: register, log in, log out."""

from flask import Blueprint, render_template

bp = Blueprint("auth", __name__)

# TODO (d08): @login_manager.user_loader: the user whose session_token the session names.

# TODO (d08): safe_next(target): target when it is a path on this site, else None.

# TODO (d08): GET/POST /register with RegistrationForm: 302 to the login page with a flash,
# or the form again with 422.


@bp.get("/login")
def login():
    # TODO (d08): GET/POST with LoginForm: a logged-in user goes to the dashboard; success
    # -> login_user(user, remember=...) and a redirect to a safe next, else the dashboard;
    # failure -> one message for a wrong password and an unknown email, and 422.
    return render_template("auth/login.html")


# TODO (d08): POST /logout (login required): a new session token, logout_user(), a flash,
# and a redirect to the home page.
