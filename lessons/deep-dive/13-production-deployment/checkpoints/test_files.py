"""d13 · what production reads before a request arrives: the settings from the environment,
gunicorn.conf.py, the logging set-up, the Dockerfile and compose.yaml. Each is checked by
running a command in (a copy of) your folder."""

import json
import os
import re

from mission_control.check import checkpoint, expect, expect_equal, fail

PRINT = "RESULT "  # the line a probe script prints its answer on


def probe(run_command, script, env=None, timeout=30):
    """Run a short Python script in the app's folder; the JSON it printed after PRINT."""
    done = run_command(["python", "-c", script], env=env, timeout=timeout)
    for line in done.stdout.splitlines():
        if line.startswith(PRINT):
            return json.loads(line[len(PRINT) :]), done
    fail(
        f"the checker ran a short script that imports wsgi.py; it ended with status "
        f"{done.exit_code} without answering. It printed:\n{done.output.strip()[-1500:]}",
        hint="Run `python -c 'import wsgi'` in your folder with SECRET_KEY and DATABASE_URL "
        "set: it must import without an error.",
    )
    return None, done


@checkpoint(
    "refuses-without-settings",
    hint="In ProductionConfig.init_app raise your own exception naming the variable, and in "
    'wsgi.py catch it: `sys.exit(f"error: {error}")` prints one line and exits 1.',
)
def test_refuses_without_settings(run_command):
    """Without SECRET_KEY or DATABASE_URL, importing wsgi.py stops with one line naming it"""
    ok = run_command(["python", "-c", "import wsgi"], timeout=30)
    expect(
        ok.exit_code == 0,
        "`python -c 'import wsgi'` with SECRET_KEY and DATABASE_URL set to succeed",
        f"status {ok.exit_code}: {ok.output.strip()[-800:]}",
    )
    for name in ("SECRET_KEY", "DATABASE_URL"):
        done = run_command(["python", "-c", "import wsgi"], env={name: ""}, timeout=30)
        shown = done.output.strip()
        lines = [line for line in shown.splitlines() if line.strip()]
        expect(
            done.exit_code not in (0, None),
            f"`python -c 'import wsgi'` with {name} empty to exit with an error status",
            f"status {done.exit_code}",
        )
        expect(
            len(lines) == 1 and name in lines[0] and "Traceback" not in shown,
            f"`python -c 'import wsgi'` with {name} empty to print exactly one line that "
            f"names {name}",
            f"{len(lines)} lines:\n{shown[-1200:]}" if shown else "nothing",
        )


PRINT_CONFIG = """
import os, sys
if os.environ.get("WEB_CONCURRENCY") == "":
    del os.environ["WEB_CONCURRENCY"]  # not set at all, as on a fresh machine
from gunicorn.app.wsgiapp import run
sys.argv = ["gunicorn", "-c", "gunicorn.conf.py", "--print-config", "wsgi:app"]
run()
"""


def gunicorn_settings(run_command, env):
    command = "gunicorn -c gunicorn.conf.py --print-config wsgi:app"
    done = run_command(["python", "-c", PRINT_CONFIG], env=env, timeout=30)
    settings = {}
    for line in done.stdout.splitlines():
        name, equals, value = line.partition("=")
        if equals:
            settings[name.strip()] = value.strip()
    if done.exit_code != 0 or "workers" not in settings:
        fail(
            f"`{command}` did not print gunicorn's settings (status {done.exit_code}):\n"
            f"{done.output.strip()[-1200:]}",
            hint="gunicorn.conf.py is Python: run that command yourself to see the error.",
        )
    return settings


@checkpoint(
    "gunicorn-config",
    hint='In gunicorn.conf.py: `workers = int(os.environ.get("WEB_CONCURRENCY") or '
    '2 * multiprocessing.cpu_count() + 1)`, `accesslog = "-"`, `graceful_timeout = 30`.',
)
def test_gunicorn_config(run_command):
    """gunicorn.conf.py: workers from WEB_CONCURRENCY (else 2 x cores + 1), access log on
    stdout, a graceful timeout"""
    cores = {os.cpu_count() or 1}
    if hasattr(os, "sched_getaffinity"):
        cores.add(len(os.sched_getaffinity(0)))
    default = gunicorn_settings(run_command, {"WEB_CONCURRENCY": ""})
    expect(
        default.get("workers") in {str(2 * n + 1) for n in cores},
        f"workers to be 2 x cores + 1 = {2 * min(cores) + 1} without WEB_CONCURRENCY",
        default.get("workers"),
    )
    given = gunicorn_settings(run_command, {"WEB_CONCURRENCY": "3"})
    expect_equal(given.get("workers"), "3", "workers with WEB_CONCURRENCY=3")
    expect_equal(given.get("accesslog"), "-", 'accesslog ("-" is stdout)')
    graceful = given.get("graceful_timeout", "")
    expect(
        graceful.replace(".", "", 1).isdigit() and float(graceful) >= 10,
        "a graceful_timeout of at least 10 seconds",
        graceful,
    )


ERROR_SCRIPT = f"""
import json
from wsgi import app

@app.get("/mission-boom")
def boom():
    return 1 / 0

with app.test_client() as client:
    quiet = client.get("/healthz").status_code
    status = client.get("/mission-boom").status_code
print({PRINT!r} + json.dumps({{"quiet": quiet, "status": status}}), flush=True)
"""


@checkpoint(
    "error-log",
    hint="Give app.logger (and your request logger) a handler whose formatter puts "
    'self.formatException(record.exc_info) into the JSON as "traceback", and set their '
    "level from LOG_LEVEL.",
)
def test_error_log(run_command):
    """An error is one JSON record with its traceback; LOG_LEVEL=WARNING leaves out the
    request lines"""
    answer, done = probe(run_command, ERROR_SCRIPT, env={"LOG_LEVEL": "WARNING"})
    expect_equal(answer["status"], 500, "the status of a view that raises ZeroDivisionError")
    records = []
    for line in done.stdout.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            records.append(entry)
    errors = [r for r in records if "ZeroDivisionError" in str(r.get("traceback", ""))]
    expect(
        bool(errors) and str(errors[0].get("level", "")).upper() == "ERROR",
        'one JSON line on stdout with "level": "ERROR" and a "traceback" that names '
        "ZeroDivisionError, for a view that raised it",
        "stdout:\n" + done.stdout.strip()[-1500:] if done.stdout.strip() else "nothing on stdout",
    )
    chatty = [r for r in records if r.get("path") == "/healthz"]
    expect(
        not chatty,
        "no request line for GET /healthz with LOG_LEVEL=WARNING (request lines are INFO)",
        json.dumps(chatty[0]) if chatty else None,
    )


READY_SCRIPT = f"""
import json
from wsgi import app

r = app.test_client().get("/readyz")
print({PRINT!r} + json.dumps({{"status": r.status_code, "json": r.get_json(silent=True)}}))
"""


@checkpoint(
    "readyz-db-down",
    hint="Catch SQLAlchemyError around `SELECT 1` in /readyz, roll back, and answer "
    '{"status": "unavailable"}, 503.',
)
def test_readyz_db_down(run_command):
    """GET /readyz answers 503 JSON when the database does not answer"""
    down = "postgresql+psycopg://mission@127.0.0.1:1/nothing?connect_timeout=2"
    answer, _ = probe(run_command, READY_SCRIPT, env={"DATABASE_URL": down})
    expect_equal(
        answer["status"], 503, "the status of GET /readyz with a database that does not answer"
    )
    expect(
        isinstance(answer["json"], dict),
        "a JSON object from GET /readyz with the database down",
        "no JSON body",
    )


# -- the Dockerfile ---------------------------------------------------------------------------


def read_file(run_command, name):
    done = run_command(["python", "-c", f"print(open({name!r}, encoding='utf-8').read())"])
    if done.exit_code != 0:
        fail(f"there is no readable {name} in your folder", hint=f"Write {name} (see README).")
    return done.stdout


def instructions(dockerfile):
    """(INSTRUCTION, arguments) of each logical line, continuations joined."""
    joined = re.sub(r"\\\n", " ", dockerfile)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


@checkpoint(
    "dockerfile",
    hint="FROM python:3.12-slim; COPY requirements.txt, then RUN pip install "
    "--no-cache-dir -r requirements.txt, then COPY . .; a USER that is not root; "
    'HEALTHCHECK on /healthz; CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"].',
)
def test_dockerfile(run_command):
    """The Dockerfile passes hadolint: slim base, dependencies in their own layer, non-root,
    HEALTHCHECK, gunicorn"""
    lint = run_command(
        ["hadolint", "--no-color", "--failure-threshold", "warning", "Dockerfile"], timeout=30
    )
    expect(
        lint.exit_code == 0,
        "`hadolint --failure-threshold warning Dockerfile` to find nothing",
        lint.output.strip()[-1500:],
    )
    steps = instructions(read_file(run_command, "Dockerfile"))
    last_from = max((i for i, (word, _) in enumerate(steps) if word == "FROM"), default=-1)
    expect(last_from >= 0, "a FROM line", "none")
    final = steps[last_from:]
    base = final[0][1].split()[0]
    expect("slim" in base, "a slim base image (python:3.12-slim)", base)

    def first(test):
        return next((i for i, step in enumerate(final) if test(*step)), None)

    def sources(arguments):
        words = [w for w in arguments.split() if not w.startswith("--")]
        return words[:-1]

    deps = first(
        lambda w, a: (
            w == "COPY" and bool(sources(a)) and all("requirements" in s for s in sources(a))
        )
    )
    install = first(lambda w, a: w == "RUN" and "pip install" in a)
    code = first(lambda w, a: w == "COPY" and re.search(r"(^|\s)\.(/)?\s+\S+$", a) is not None)
    expect(
        None not in (deps, install, code) and deps < install < code,
        "COPY requirements.txt, then RUN pip install, then COPY of the whole folder (the "
        "dependencies in their own layer, rebuilt only when requirements.txt changes)",
        ", ".join(f"{w} {a}" for w, a in final if w in ("COPY", "RUN")),
    )
    users = [a.split(":")[0].strip() for w, a in final if w == "USER"]
    expect(
        bool(users) and users[-1] not in ("root", "0"),
        "a USER that is not root for the app",
        f"USER {users[-1]}" if users else "no USER (the app would run as root)",
    )
    health = [a for w, a in final if w == "HEALTHCHECK"]
    expect(
        bool(health) and health[-1].upper() != "NONE",
        "a HEALTHCHECK",
        health[-1] if health else "none",
    )
    command = " ".join(a for w, a in final if w in ("CMD", "ENTRYPOINT"))
    expect(
        "gunicorn" in command and "wsgi:app" in command,
        "a CMD that starts gunicorn with wsgi:app",
        command or "no CMD",
    )


# -- compose.yaml -----------------------------------------------------------------------------

COMPOSE_SCRIPT = f"""
import json, yaml
with open("compose.yaml", encoding="utf-8") as file:
    print({PRINT!r} + json.dumps(yaml.safe_load(file)))
"""


@checkpoint(
    "compose",
    hint="In compose.yaml: web (build: .), nginx, db (image: postgres, with a healthcheck "
    "and `db-data:/var/lib/postgresql/data`, declared under the top-level volumes), redis; "
    "web's depends_on db with `condition: service_healthy`.",
)
def test_compose(run_command):
    """compose.yaml is a valid Compose file: web, nginx, PostgreSQL, Redis, health-checked
    depends_on, a named DB volume"""
    command = ["check-jsonschema", "--builtin-schema", "vendor.compose-spec", "compose.yaml"]
    valid = run_command(command, timeout=60)
    expect(
        valid.exit_code == 0,
        "compose.yaml to pass the Compose specification's schema (check-jsonschema)",
        valid.output.strip()[-1500:],
    )
    spec, _ = probe(run_command, COMPOSE_SCRIPT)
    services = spec.get("services") or {} if isinstance(spec, dict) else {}

    def by_image(prefix):
        return next(
            (
                name
                for name, s in services.items()
                if str((s or {}).get("image", "")).split("/")[-1].startswith(prefix)
            ),
            None,
        )

    for name in ("web", "nginx"):
        expect(name in services, f"a service named {name}", ", ".join(services) or "none")
    expect(
        "build" in (services["web"] or {}),
        "web to be built from the Dockerfile (build:)",
        json.dumps(services["web"]),
    )
    db, redis = by_image("postgres"), by_image("redis")
    expect(db is not None, "a service with image postgres:...", ", ".join(services))
    expect(redis is not None, "a service with image redis:...", ", ".join(services))
    depends = services["web"].get("depends_on") or {}
    condition = depends.get(db, {}).get("condition") if isinstance(depends, dict) else None
    expect_equal(condition, "service_healthy", f"web's depends_on {db}: condition")
    check = (services[db] or {}).get("healthcheck") or {}
    expect(bool(check.get("test")), f"a healthcheck with a test for {db}", json.dumps(check))
    volumes = spec.get("volumes") or {}
    mounts = []
    for mount in (services[db] or {}).get("volumes") or []:
        if isinstance(mount, str):
            mounts.append(tuple(mount.split(":")[:2]))
        elif isinstance(mount, dict):
            mounts.append((str(mount.get("source")), str(mount.get("target"))))
    named = [s for s, t in mounts if t.rstrip("/") == "/var/lib/postgresql/data" and s in volumes]
    expect(
        bool(named),
        f"{db}'s /var/lib/postgresql/data on a named volume declared under `volumes:`",
        ", ".join(":".join(m) for m in mounts) or "no volume",
    )
