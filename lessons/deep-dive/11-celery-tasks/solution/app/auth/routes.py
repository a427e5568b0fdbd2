"""The ``auth`` blueprint, under ``/auth``: register, log in, log out."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from app.auth.forms import LoginForm, RegistrationForm
from app.extensions import db, login_manager
from app.models import User
from app.tasks import send_welcome_email

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(session_token):
    """The user whose session token the cookie names (get_id), or None: a token changed at
    logout no longer finds anyone."""
    return db.session.scalar(select(User).filter_by(session_token=session_token))


def safe_next(target):
    """``target`` when it is a path on this site, else None.

    Browsers read ``//evil.example`` and ``/\\evil.example`` as another host, so only a
    path that starts with one ``/`` and has no backslash, scheme or host is followed.
    """
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegistrationForm()
    if form.validate_on_submit():
        user = User(username=form.username.data, email=form.email.data)
        user.set_password(form.password.data)
        db.session.add(user)
        db.session.commit()
        # d11: the mail is sent by the worker; this page answers without waiting for it.
        send_welcome_email.delay(user.id)
        flash("Your account is ready: log in. A welcome email is on its way.")
        return redirect(url_for("auth.login"))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).filter_by(email=form.email.data))
        if user is not None and user.check_password(form.password.data):
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or url_for("main.dashboard"))
        # One message for both mistakes: no way to learn which emails have an account.
        form.form_errors.append("Wrong email or password.")
    status = 422 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    """POST only, with the CSRF token: a GET could be triggered by any page's <img>."""
    current_user.rotate_session_token()  # every copy of the old cookies stops working
    db.session.commit()
    logout_user()
    flash("You are logged out.")
    return redirect(url_for("main.index"))
