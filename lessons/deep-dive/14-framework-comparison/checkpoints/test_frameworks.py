"""Checkpoints for d14 that only one framework can pass, because only it gives the thing
they check: Django's admin, FastAPI's OpenAPI document. ``@checkpoint(app=...)`` runs each
only when that app is checked."""

import re
import uuid

from mission_control.check import checkpoint, expect, visit

ADMIN_HINT = (
    'Keep path("admin/", admin.site.urls) in blog_site/urls.py and register the model in '
    "blog/admin.py with @admin.register(Post)."
)
OPENAPI_HINT = (
    'Declare every route on an APIRouter(prefix="/api/v1") included in the app, with '
    "the HTTP method decorators (@router.get, .post, .patch, .delete): FastAPI writes the "
    "document from them."
)
OPERATIONS = {
    "/api/v1/users": {"post"},
    "/api/v1/tokens": {"post"},
    "/api/v1/posts": {"get", "post"},
    "/api/v1/posts/{}": {"get", "patch", "delete"},
}


@checkpoint("django-admin", hint=ADMIN_HINT, app="django")
def test_django_admin(client, run_command):
    """Django: /admin/ has its login page, and a superuser who logs in finds Post there
    (/admin/blog/post/)"""
    page = visit(client, "/admin/login/").expect_status(200, hint=ADMIN_HINT).html()
    form = page.form("form#login-form", "the admin's login form", hint=ADMIN_HINT)
    name = f"admin{uuid.uuid4().hex[:8]}"
    password = f"Admin-{uuid.uuid4().hex}"
    made = run_command(
        f"python manage.py createsuperuser --no-input --username {name} --email {name}@example.com",
        env={"DJANGO_SUPERUSER_PASSWORD": password},
        timeout=60,
    )
    expect(made.exit_code == 0, "`manage.py createsuperuser` to succeed", made.output[-500:])
    form.submit(client, {"username": name, "password": password})
    posts = visit(client, "/admin/blog/post/")
    posts.expect_status(200, hint=ADMIN_HINT)
    posts.html().expect_text("post", hint=ADMIN_HINT)


@checkpoint("fastapi-openapi", hint=OPENAPI_HINT, app="fastapi")
def test_fastapi_openapi(client):
    """FastAPI: /openapi.json lists every path and method of the API, and /docs shows it"""
    document = client.get("/openapi.json").expect_status(200).expect_json(dict)
    expect(
        str(document.get("openapi", "")).startswith("3."),
        'an "openapi": "3.x" document',
        repr(document.get("openapi")),
    )
    found = {}
    for path, item in (document.get("paths") or {}).items():
        found[re.sub(r"\{[^}]+\}", "{}", path)] = set(item) & {"get", "post", "patch", "delete"}
    for path, methods in OPERATIONS.items():
        missing = methods - found.get(path, set())
        expect(
            not missing,
            f"the document to list {path.replace('{}', '{post_id}')} with "
            f"{', '.join(sorted(methods))}",
            f"no {', '.join(sorted(missing))}" if path in found else "no such path",
            hint=OPENAPI_HINT,
        )
    docs = visit(client, "/docs").expect_status(200, hint=OPENAPI_HINT).html()
    expect("openapi.json" in docs.response.text, "/docs to load /openapi.json", docs.title)
