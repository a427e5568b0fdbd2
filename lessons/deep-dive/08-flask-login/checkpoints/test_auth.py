"""Checkpoints for d08 · Authentication with Flask-Login.

Every checkpoint registers its own user (a name no other checkpoint uses) through the
register form, as a visitor would, so they pass in any order on a database that already
holds users. Forms are read from the page and sent back with their hidden csrf_token; the
`database` fixture reads what was stored (the password hash).
"""

import re
import uuid
from urllib.parse import quote, urlsplit

from mission_control.check import Form, checkpoint, expect, expect_equal, fail, read_html, visit

PASSWORD = "correct horse battery"
FORM_HINT = (
    "A FlaskForm rendered with {{ form.hidden_tag() }} (the csrf_token) and one input per "
    "field, named as the form's fields: username, email, password, confirm."
)
LOGIN_HINT = (
    "In the login view: find the user by email, user.check_password(form.password.data), "
    "then login_user(user, remember=form.remember.data) and redirect."
)
NEXT_HINT = (
    "Follow next only when it is a path on this site: it starts with one '/', has no '\\\\', "
    "and urlsplit(next) has no scheme and no netloc; else redirect to url_for('main.dashboard')."
)
TOKEN_HINT = (
    "Give User a session_token column (secrets.token_urlsafe), return it from get_id(), load "
    "users by it in @login_manager.user_loader, and give the user a new one in logout before "
    "logout_user()."
)


def unique():
    return f"u{uuid.uuid4().hex[:10]}"


def location(response):
    """The redirect's target as path and query (a served app may send a full URL)."""
    parts = urlsplit(response.headers.get("Location") or "")
    return parts.path + (f"?{parts.query}" if parts.query else "")


def expect_redirect(response, target, what, hint=None):
    response.expect_status(302, 303, hint=hint)
    expect_equal(location(response), target, f"the Location of {what}", response=response)


def password_form(page, what, hint=None):
    """The page's form that has a field named password."""
    for element in page.select("form"):
        if element.select('input[name="password"]'):
            return Form(element, page)
    fail(f'expected {what}: a <form> with an <input name="password">', hint=hint)


def register(client, username=None, password=PASSWORD, **changes):
    """Fill in and send the register form; the response (not followed) and the username."""
    username = username or unique()
    page = visit(client, "/auth/register", follow=False).expect_status(200, hint=FORM_HINT).html()
    values = {
        "username": username,
        "email": f"{username}@example.com",
        "password": password,
        "confirm": password,
    }
    values.update(changes)
    form = password_form(page, "the register form", hint=FORM_HINT)
    return form.submit(client, values, hint=FORM_HINT).response, username


def registered(client):
    response, username = register(client)
    expect_redirect(response, "/auth/login", "a successful registration", hint=FORM_HINT)
    return username


def login_form(client, path="/auth/login"):
    page = visit(client, path, follow=False).expect_status(200, hint=LOGIN_HINT).html()
    return password_form(page, "the login form", hint=LOGIN_HINT)


def login(client, username, path="/auth/login", password=PASSWORD, remember=False):
    values = {"email": f"{username}@example.com", "password": password}
    if remember:
        values["remember"] = "y"
    return login_form(client, path).submit(client, values, hint=LOGIN_HINT).response


def logged_in(client, remember=False):
    username = registered(client)
    response = login(client, username, remember=remember)
    expect_redirect(response, "/dashboard", "a successful login", hint=LOGIN_HINT)
    return username, response


def logout(client):
    """Send the logout form of the dashboard page (the one whose action is /auth/logout)."""
    page = visit(client, "/dashboard", follow=False).expect_status(200).html()
    form = page.form(
        'form[action$="/auth/logout"]',
        "a form that posts to /auth/logout on the dashboard",
        hint='<form method="post" action="{{ url_for(\'auth.logout\') }}"> with '
        '<input type="hidden" name="csrf_token" value="{{ csrf_token() }}"> in base.html.',
    )
    return form.submit(client).response


def cookies_set(response):
    """``{name: (value, attributes in lower case)}`` of the Set-Cookie headers."""
    found = {}
    for header in response.headers.get_all("Set-Cookie"):
        first, _, rest = header.partition(";")
        name, _, value = first.partition("=")
        found[name.strip()] = (value.strip(), rest.lower())
    return found


# -- register ------------------------------------------------------------------------------


@checkpoint("register", hint=FORM_HINT)
def test_register(client):
    """GET /auth/register shows the form; a valid one → 302 to /auth/login with a message"""
    page = visit(client, "/auth/register", follow=False).expect_status(200).html()
    form = password_form(page, "the register form", hint=FORM_HINT)
    for name in ("username", "email", "password", "confirm", "csrf_token"):
        form.field(name, hint=FORM_HINT)
    response, _ = register(client)
    expect_redirect(response, "/auth/login", "a successful registration")
    shown = visit(client, "/auth/login", follow=False).html().text
    again = visit(client, "/auth/login", follow=False).html().text
    expect(
        len(shown) > len(again),
        "the page after registering to show a flashed message (it looks the same as the "
        "login page shown again)",
        "no message",
        hint="flash('...') before the redirect, and get_flashed_messages() in base.html.",
    )


@checkpoint("password-hashed", requires="register")
def test_password_hashed(client, database):
    """The password is stored only as a Werkzeug generate_password_hash hash"""
    response, username = register(client)
    expect_redirect(response, "/auth/login", "a successful registration")
    rows = database.query(f'SELECT * FROM "user" WHERE username = {database.param}', (username,))
    expect(rows, f"a row in table user for {username}", "none")
    row = dict(rows[0])
    expect(
        all(PASSWORD not in str(value) for value in row.values()),
        "the password not to be stored as it was typed",
        f"a column of user holds {PASSWORD!r}",
        hint="user.password_hash = generate_password_hash(password)",
    )
    stored = row.get("password_hash")
    expect(
        isinstance(stored, str) and re.match(r"(scrypt|pbkdf2):", stored) is not None,
        "user.password_hash to hold a Werkzeug hash (scrypt:... or pbkdf2:...)",
        repr(stored),
        hint="from werkzeug.security import generate_password_hash",
    )


@checkpoint(
    "register-refuses",
    hint="Validators on the form's fields (Regexp, Length(min=8), EqualTo('password')) and "
    "validate_username / validate_email methods that raise ValidationError for a taken one; "
    "render each field with field() and its field.errors beside it (a PasswordField never "
    "sends its value back).",
    requires="register",
)
def test_register_refuses(client, database):
    """A bad field, a taken username or email, different passwords or a short password →
    422, the form again with a message and the values kept, except the passwords"""
    taken = registered(client)
    cases = {
        "a username with a space": {"username": "ada lovelace"},
        "a taken username": {"username": taken},
        "a taken email": {"email": f"{taken}@example.com"},
        "an email without @": {"email": "not-an-email"},
        "passwords that differ": {"confirm": PASSWORD + "!"},
        "a password of 7 characters": {"password": "short77", "confirm": "short77"},
    }
    visit(client, "/auth/login", follow=False)  # shows (and so clears) the flashed message
    blank = visit(client, "/auth/register", follow=False).html().text
    for what, changes in cases.items():
        username = changes.get("username") or unique()
        others = {k: v for k, v in changes.items() if k != "username"}
        response, _ = register(client, username, **others)
        response.expect_status(
            422,
            hint="When form.validate_on_submit() is False after a POST, return "
            "render_template(..., form=form), 422.",
        )
        shown = read_html(response)
        form = password_form(shown, f"the register form again, for {what}")
        expect(
            len(shown.text) > len(blank),
            f"a message beside the field that failed ({what})",
            "the form as it was, without a message",
        )
        expect_equal(
            form.field("username").value, username, f"the username kept in the form ({what})"
        )
        expect_equal(form.field("password").value, "", f"the password not sent back ({what})")
        if what != "a taken username":
            count = database.scalar(
                f'SELECT count(*) FROM "user" WHERE username = {database.param}', (username,)
            )
            expect_equal(count, 0, f"users stored for a refused registration ({what})")


# -- log in and out ------------------------------------------------------------------------


@checkpoint(
    "dashboard-login-required",
    hint="@login_required on the dashboard view, and login_manager.login_view = 'auth.login'.",
)
def test_dashboard_login_required(client):
    """GET /dashboard sends an anonymous visitor to /auth/login?next=%2Fdashboard"""
    expect_redirect(
        client.get("/dashboard"), "/auth/login?next=%2Fdashboard", "GET /dashboard, logged out"
    )


@checkpoint("login", hint=LOGIN_HINT, requires="register")
def test_login(client):
    """A good email and password → 302 to /dashboard, which greets the user by name; the
    login page then sends a logged-in user to /dashboard"""
    username, _ = logged_in(client)
    page = visit(client, "/dashboard", follow=False).expect_status(200).html()
    page.expect_text(username)
    expect_redirect(
        client.get("/auth/login"),
        "/dashboard",
        "GET /auth/login when logged in already",
        hint="if current_user.is_authenticated: return redirect(url_for('main.dashboard'))",
    )


@checkpoint("login-next", hint=NEXT_HINT, requires="login")
def test_login_next(client):
    """After a login, a next that is a path on this site is followed"""
    username = registered(client)
    response = login(client, username, path="/auth/login?next=%2Fposts%3Fpage%3D1")
    expect_redirect(response, "/posts?page=1", "a login from /auth/login?next=%2Fposts%3Fpage%3D1")


@checkpoint("login-refuses", hint=LOGIN_HINT, requires="register")
def test_login_refuses(client):
    """A wrong password and an unknown email → 422 with the same message, and no login"""
    username = registered(client)
    wrong = login(client, username, password="wrong password")
    wrong.expect_status(422, hint="render_template('auth/login.html', form=form), 422")
    unknown = login(client, unique(), password=PASSWORD)
    unknown.expect_status(422)
    wrong_text, unknown_text = read_html(wrong).text, read_html(unknown).text
    expect(
        wrong_text == unknown_text,
        "the same page for a wrong password and for an unknown email (so that nobody can "
        "learn who has an account)",
        f"two different pages: {wrong_text[:200]!r} and {unknown_text[:200]!r}",
    )
    expect_redirect(
        client.get("/dashboard"),
        "/auth/login?next=%2Fdashboard",
        "GET /dashboard after a refused login",
    )


@checkpoint(
    "logout",
    hint="@bp.post('/logout'): logout_user(), then redirect to "
    "url_for('main.index'); the form sends the csrf_token.",
    requires="login",
)
def test_logout(client):
    """POST /auth/logout with the form's CSRF token → 302 to / and logged out; without the
    token → 400 and still logged in; GET /auth/logout is not allowed"""
    logged_in(client)
    get = client.get("/auth/logout")
    expect(
        get.status_code in (404, 405),
        "GET /auth/logout not to log out (405: a link or an <img> on any site could)",
        get.status_line,
        response=get,
    )
    refused = client.post("/auth/logout", data={})
    expect_equal(
        refused.status_code,
        400,
        "the status of POST /auth/logout without a CSRF token",
        response=refused,
        hint="csrf = CSRFProtect(); csrf.init_app(app)",
    )
    visit(client, "/dashboard", follow=False).expect_status(200)
    expect_redirect(logout(client), "/", "POST /auth/logout")
    expect_redirect(
        client.get("/dashboard"),
        "/auth/login?next=%2Fdashboard",
        "GET /dashboard after logging out",
    )


@checkpoint("open-redirect", hint=NEXT_HINT, requires="login")
def test_open_redirect(client):
    """next=https://evil.example/, //evil.example and /\\evil.example all land on
    /dashboard"""
    username = registered(client)
    for target in ("https://evil.example/", "//evil.example", "/\\evil.example"):
        response = login(client, username, path=f"/auth/login?next={quote(target, safe='')}")
        expect_redirect(response, "/dashboard", f"a login with next={target}")
        expect_redirect(logout(client), "/", "POST /auth/logout")


# -- cookies -------------------------------------------------------------------------------


@checkpoint(
    "session-cookie",
    hint="SESSION_COOKIE_SAMESITE = 'Lax' in Config "
    "(SESSION_COOKIE_HTTPONLY is True unless you turn it off).",
    requires="login",
)
def test_session_cookie(client):
    """The session cookie is HttpOnly and SameSite=Lax"""
    _, response = logged_in(client)
    cookies = cookies_set(response)
    expect(
        "session" in cookies,
        "the login response to set the cookie 'session'",
        ", ".join(cookies) or "no cookie",
        response=response,
    )
    attributes = cookies["session"][1]
    expect("httponly" in attributes, "the session cookie to be HttpOnly", attributes)
    expect("samesite=lax" in attributes, "the session cookie to be SameSite=Lax", attributes)


@checkpoint(
    "remember-cookie",
    hint="login_user(user, remember=form.remember.data): "
    "remember=True only when the box was ticked.",
    requires="login",
)
def test_remember_cookie(client):
    """The remember cookie (remember_token) is set only when "remember" was ticked"""
    _, plain = logged_in(client)
    expect(
        "remember_token" not in cookies_set(plain),
        "no remember_token cookie when 'remember' was not ticked",
        "one was set",
        response=plain,
    )
    expect_redirect(logout(client), "/", "POST /auth/logout")
    _, remembered = logged_in(client, remember=True)
    cookies = cookies_set(remembered)
    expect(
        "remember_token" in cookies,
        "a remember_token cookie when 'remember' was ticked",
        ", ".join(cookies) or "no cookie",
        response=remembered,
    )
    raw = next(
        (
            h
            for h in remembered.headers.get_all("Set-Cookie")
            if h.strip().startswith("remember_token=")
        ),
        "",
    )
    expect(
        "httponly" in [part.strip() for part in cookies["remember_token"][1].split(";")],
        "the remember cookie to be HttpOnly, so no script on a page can read it",
        f"Set-Cookie: {raw} (no HttpOnly)",
        response=remembered,
        hint="REMEMBER_COOKIE_HTTPONLY = True in the config (Flask-Login's default is True: "
        "do not turn it off).",
    )


@checkpoint("stolen-cookie", hint=TOKEN_HINT, requires="login")
def test_stolen_cookie(client):
    """A session or remember cookie copied before logout no longer opens /dashboard"""
    _, response = logged_in(client, remember=True)
    stolen = cookies_set(response)
    expect(
        "session" in stolen,
        "the login response to set the cookie 'session'",
        ", ".join(stolen) or "no cookie",
    )
    copy = {"Cookie": f"session={stolen['session'][0]}"}
    visit(client, "/dashboard", follow=False).expect_status(200)
    expect_equal(
        client.get("/dashboard", headers=copy).status_code,
        200,
        "the status of /dashboard with the copied session cookie, before logout",
    )
    expect_redirect(logout(client), "/", "POST /auth/logout")
    after = client.get("/dashboard", headers=copy)
    expect(
        after.status_code != 200,
        "a session cookie copied before logout not to open /dashboard any more",
        f"{after.status_line}: it still does (the cookie names the user id, which never changes)",
        response=after,
    )
    if "remember_token" in stolen:
        again = client.get(
            "/dashboard", headers={"Cookie": f"remember_token={stolen['remember_token'][0]}"}
        )
        expect(
            again.status_code != 200,
            "a remember cookie copied before logout not to open /dashboard any more",
            again.status_line,
            response=again,
        )
