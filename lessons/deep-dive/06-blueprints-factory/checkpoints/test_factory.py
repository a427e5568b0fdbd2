"""Checkpoints for d06 · Blueprints and the application factory.

The pages are checked over HTTP (the app built with ``create_app("testing")``); what only
the factory itself can show (the config it picks, the error without a production secret,
that importing builds nothing, that two apps share nothing, a 500 page) is checked by
short Python scripts run in (a copy of) the learner's folder, which print one JSON line.
"""

import json
import re

from mission_control.check import checkpoint, expect, expect_equal, fail, visit

LAYOUT_HINT = (
    'Let every page start with {% extends "base.html" %} and fill its blocks; base.html holds '
    "the <title>, the <nav> with links to url_for('main.index') and url_for('auth.login'), "
    "and a <main> around {% block content %}."
)
CONFIG_HINT = (
    "In create_app(config_name=None): name = config_name or os.environ.get('APP_CONFIG') or "
    "'development'; look it up in a dict of config classes and raise ValueError naming the "
    "valid ones when it is not there."
)
SIDE_EFFECTS_HINT = (
    "Nothing at module level may build an app: no `app = Flask(__name__)` or `create_app()` "
    "outside a function. Create the blueprints at module level, register them inside "
    "create_app, and keep files and databases for when an app is created."
)


def run_script(run_command, script, what, env=None, timeout=30):
    """Run ``script`` with ``python -c`` in the app's folder; its last line of output as
    JSON. A script that cannot even run fails with what it printed."""
    done = run_command(["python", "-c", script], timeout=timeout, env=env)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.exit_code != 0 or not lines:
        fail(
            f"{what}: the checker's script could not use your factory (exit status "
            f"{done.exit_code}). It printed:\n{done.output.strip()[-1500:]}",
            hint=CONFIG_HINT,
        )
    return json.loads(lines[-1])


def expect_layout(page, what):
    """The page extends base.html: a <title>, the <nav> with both links, an <h1> in <main>."""
    expect(bool(page.title), f"{what} to have a <title>", "none", hint=LAYOUT_HINT)
    nav = page.one("nav", f"the layout's <nav> on {what}", hint=LAYOUT_HINT)
    links = [a.attr("href") for a in nav.select("a[href]")]
    for href in ("/", "/auth/login"):
        expect(
            href in links,
            f"the <nav> on {what} to link to {href}",
            f"links to {links}",
            hint=LAYOUT_HINT,
        )
    page.one("main h1", f"an <h1> inside <main> on {what}", hint=LAYOUT_HINT)


@checkpoint("index-page", hint=LAYOUT_HINT)
def test_index_page(client):
    """GET / is the index page of blueprint main, extending base.html"""
    page = visit(client, "/", follow=False).expect_status(200).html()
    expect_layout(page, "the index page")


@checkpoint(
    "healthz",
    hint="In main's routes: @bp.get('/healthz') returning "
    "{'status': 'ok', 'config': current_app.config[...]} with the config's name.",
)
def test_healthz(client):
    """GET /healthz says ok and names the config the app was built with"""
    r = client.get("/healthz").expect_status(200)
    body = r.expect_json(dict)
    expect_equal(body.get("status"), "ok", "status", response=r)
    expect_equal(
        body.get("config"), "testing", 'config (the app is create_app("testing"))', response=r
    )


@checkpoint(
    "auth-login-page",
    hint="Register the auth blueprint with url_prefix='/auth' and give it "
    "@bp.get('/login') rendering auth/login.html.",
)
def test_auth_login_page(client):
    """GET /auth/login is blueprint auth's placeholder page, in the layout"""
    page = visit(client, "/auth/login", follow=False).expect_status(200).html()
    expect_layout(page, "the log-in page")


@checkpoint(
    "not-found-page",
    hint="In a blueprint: @bp.app_errorhandler(404) returning "
    "render_template('errors/404.html'), 404 (app_errorhandler, so it covers every URL).",
)
def test_not_found_page(client):
    """An unknown URL, inside /auth too, gets the 404 page, in the layout"""
    for path in ("/no-such-page-d06", "/auth/no-such-page"):
        page = visit(client, path, follow=False).expect_status(404).html()
        expect_layout(page, f"the 404 page for {path}")


SERVER_ERROR = r"""
import json
from app import create_app
app = create_app("testing")
app.config.update(TESTING=False, PROPAGATE_EXCEPTIONS=False)
@app.get("/mission-check-boom")
def boom():
    raise RuntimeError("a checkpoint's deliberate error")
r = app.test_client().get("/mission-check-boom")
print(json.dumps({"status": r.status_code, "type": r.mimetype, "body": r.get_data(as_text=True)}))
"""


@checkpoint(
    "server-error-page",
    hint="In a blueprint: @bp.app_errorhandler(500) returning "
    "render_template('errors/500.html'), 500.",
)
def test_server_error_page(run_command):
    """A view that raises gets the 500 page, in the layout"""
    got = run_script(run_command, SERVER_ERROR, "a view that raises")
    expect_equal(got["status"], 500, "the status of a view that raised")
    expect_equal(got["type"], "text/html", "the Content-Type of the 500 page")
    body = got["body"]
    expect(
        "<nav" in body and re.search(r"""href=["']/auth/login["']""", body) is not None,
        "the 500 page to extend base.html (its <nav> with the link to /auth/login)",
        body[:300] or "an empty page",
    )


CONFIG_NAMES = r"""
import json, os
from app import create_app
os.environ.pop("APP_CONFIG", None)
names = {"default": create_app().test_client().get("/healthz").get_json()}
os.environ["APP_CONFIG"] = "testing"
names["APP_CONFIG=testing"] = create_app().test_client().get("/healthz").get_json()
names["argument wins"] = create_app("development").test_client().get("/healthz").get_json()
try:
    create_app("staging")
    names["unknown"] = "no error"
except ValueError as error:
    names["unknown"] = "ValueError: " + str(error)
except Exception as error:
    names["unknown"] = type(error).__name__ + ": " + str(error)
print(json.dumps(names))
"""


@checkpoint("config-by-name", hint=CONFIG_HINT, requires="healthz")
def test_config_by_name(run_command):
    """The config name comes from the argument, else APP_CONFIG, else development"""
    got = run_script(run_command, CONFIG_NAMES, "create_app() with each way of naming a config")
    for case, wanted in (
        ("default", "development"),
        ("APP_CONFIG=testing", "testing"),
        ("argument wins", "development"),
    ):
        expect_equal((got[case] or {}).get("config"), wanted, f"the config name ({case})")
    unknown = got["unknown"]
    expect(
        unknown.startswith("ValueError:"),
        'create_app("staging") to raise ValueError',
        unknown,
    )
    for name in ("development", "testing", "production"):
        expect(name in unknown, f"the ValueError to list the valid name {name!r}", unknown)


PRODUCTION = r"""
import json, os
from app import create_app
os.environ.pop("SECRET_KEY", None)
try:
    create_app("production")
    without = "no error"
except Exception as error:
    without = type(error).__name__ + ": " + str(error)
os.environ["SECRET_KEY"] = "d06-checkpoint-secret"
app = create_app("production")
print(json.dumps({"without": without, "secret": app.config.get("SECRET_KEY")}))
"""


@checkpoint(
    "production-secret",
    hint="ProductionConfig has no SECRET_KEY of its own: read os.environ.get('SECRET_KEY') "
    "when the app is created and raise an error that names SECRET_KEY when it is missing.",
    requires="config-by-name",
)
def test_production_secret(run_command):
    """create_app("production") takes SECRET_KEY from the environment, and needs it"""
    got = run_script(run_command, PRODUCTION, 'create_app("production")')
    expect(
        got["without"] != "no error",
        'create_app("production") without SECRET_KEY to raise an error',
        "it built an app (with a default secret?)",
    )
    expect(
        "SECRET_KEY" in got["without"],
        "the error to name the variable SECRET_KEY",
        got["without"],
    )
    expect_equal(got["secret"], "d06-checkpoint-secret", "SECRET_KEY in production")


IMPORT_ONLY = r"""
import importlib, json, os, pkgutil, sys
from flask import Flask
def files():
    found = set()
    for root, dirs, names in os.walk("."):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        found.update(os.path.join(root, n) for n in names if not n.endswith(".pyc"))
    return found
before = files()
import app
modules = ["app", "config"] + [
    "app." + info.name for info in pkgutil.walk_packages(app.__path__, "")
    if info.name != "__main__"
]
errors = {}
for name in modules:
    try:
        importlib.import_module(name)
    except Exception as error:
        errors[name] = type(error).__name__ + ": " + str(error)
apps = sorted(
    f"{name}.{attr}" for name, module in list(sys.modules.items())
    if name == "config" or name == "app" or name.startswith("app.")
    for attr, value in vars(module).items() if isinstance(value, Flask)
)
print(json.dumps({"apps": apps, "new_files": sorted(files() - before), "errors": errors}))
"""


@checkpoint("no-import-side-effects", hint=SIDE_EFFECTS_HINT)
def test_no_import_side_effects(run_command):
    """Importing the app package (every module of it) builds no app and writes no file"""
    got = run_script(run_command, IMPORT_ONLY, "importing the package app")
    expect(not got["errors"], "every module of the package to import", str(got["errors"]))
    expect(
        not got["apps"],
        "no Flask app at module level after `import app`",
        f"an app in {', '.join(got['apps'])}",
    )
    expect(not got["new_files"], "importing to write no file", ", ".join(got["new_files"]))


TWO_APPS = r"""
import json
from app import create_app
first, second = create_app("testing"), create_app("testing")
first.config["SECRET_KEY"] = "only-the-first"
endpoints = lambda a: sorted(rule.endpoint for rule in a.url_map.iter_rules())
print(json.dumps({
    "same_object": first is second,
    "shared_config": second.config.get("SECRET_KEY") == "only-the-first",
    "first": endpoints(first),
    "second": endpoints(second),
    "second_answers": second.test_client().get("/healthz").status_code,
}))
"""


@checkpoint("apps-share-nothing", hint=SIDE_EFFECTS_HINT, requires="healthz")
def test_apps_share_nothing(run_command):
    """Two apps from the factory are separate, each with both blueprints"""
    got = run_script(run_command, TWO_APPS, 'create_app("testing") twice')
    expect(not got["same_object"], "two calls to give two apps", "the same app twice")
    expect(not got["shared_config"], "the second app's config to be its own", "a shared config")
    for endpoint in ("main.index", "main.healthz", "auth.login"):
        expect(
            endpoint in got["second"],
            f"the second app to have {endpoint} too",
            f"its endpoints: {', '.join(got['second'])}",
        )
    expect_equal(got["second_answers"], 200, "the second app's answer to GET /healthz")


@checkpoint(
    "flask-routes",
    hint="Name the views index, healthz (blueprint main) and login (blueprint auth): Flask "
    "names an endpoint blueprint.function.",
)
def test_flask_routes(run_command):
    """`flask --app app routes` lists main.index, main.healthz and auth.login"""
    done = run_command("flask --app app routes", timeout=30)
    expect_equal(done.exit_code, 0, "the exit status of `flask --app app routes`")
    for endpoint in ("main.index", "main.healthz", "auth.login"):
        expect(
            re.search(rf"^{re.escape(endpoint)}\s", done.stdout, re.MULTILINE) is not None,
            f"`flask --app app routes` to list {endpoint}",
            done.output.strip()[-800:],
        )


TESTS_HINT = (
    'In tests/conftest.py a fixture `app` returns create_app("testing") and `client` its '
    "app.test_client(); write at least three test_ functions in tests/ and run "
    "`python -m pytest` in your folder."
)
READ_CONFTEST = r"""
import json, pathlib
path = pathlib.Path("tests/conftest.py")
print(json.dumps({"text": path.read_text() if path.is_file() else None}))
"""


@checkpoint("learner-tests", hint=TESTS_HINT)
def test_learner_tests(run_command):
    """Your own tests, from create_app("testing") in conftest.py: `python -m pytest` passes
    with at least three"""
    conftest = run_script(run_command, READ_CONFTEST, "reading tests/conftest.py")["text"]
    expect(conftest is not None, "a file tests/conftest.py", "none")
    code = "\n".join(line.split("#")[0] for line in conftest.splitlines())  # not comments
    expect(
        re.search(r"""create_app\(\s*["']testing["']\s*\)""", code) is not None,
        'tests/conftest.py to build the app with create_app("testing")',
        "no such call in it",
    )
    done = run_command("python -m pytest -q -p no:cacheprovider", timeout=120)
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.output
    expect_equal(done.exit_code, 0, f"the exit status of `python -m pytest` ({summary})")
    passed = re.search(r"(\d+) passed", done.stdout)
    count = int(passed.group(1)) if passed else 0
    expect(count >= 3, "at least three passing tests", f"{count} ({summary})")
