"""The production stack capability: `[check.production]` in lesson.toml, the rewrite of a
learner's nginx server block, `nginx -t` first, and gunicorn behind a real nginx whose
logs, signals and processes the checker controls (and always stops)."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from helpers import CATALOG
from test_catalog import VALID, make_lesson

from mission_control.catalog import CatalogError, Production, load_lesson
from mission_control.check.capabilities import Capability, missing
from mission_control.check.production import (
    ProductionStack,
    StackView,
    find_nginx,
    rewrite_server_block,
)
from mission_control.check.report import ErrorKind, TargetError, TargetKind
from mission_control.check.sandbox import Sandbox


def needs_nginx() -> None:
    if find_nginx() is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is not installed (apt-get install -y nginx)")
        pytest.skip("nginx is not installed: apt-get install -y nginx")


# -- lesson.toml -------------------------------------------------------------------------------


def test_production_table_is_read_and_makes_the_lesson_live(tmp_path: Path) -> None:
    text = VALID.replace("[app]", '[check.production]\nnginx = "deploy/nginx.conf"\n\n[app]')
    lesson = load_lesson(make_lesson(tmp_path, text))
    assert lesson.production == Production(nginx="deploy/nginx.conf")
    assert lesson.production.wsgi == "wsgi:app" and lesson.production.root == "/app"
    assert lesson.live
    assert load_lesson(make_lesson(tmp_path, VALID)).production is None


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ('wsgi = "wsgi:create_app()"', "check.production.wsgi"),
        ('wsgi = "not an entry"', "check.production.wsgi"),
        ('nginx = "/etc/nginx/nginx.conf"', "check.production.nginx"),
        ('gunicorn = "../gunicorn.conf.py"', "check.production.gunicorn"),
        ('root = "app"', "check.production.root"),
        ('root = "/"', "check.production.root"),
        ("port = 80", "check.production.port"),
    ],
)
def test_production_table_is_validated(tmp_path: Path, line: str, field: str) -> None:
    text = VALID.replace("[app]", f"[check.production]\n{line}\n\n[app]")
    with pytest.raises(CatalogError) as caught:
        load_lesson(make_lesson(tmp_path, text))
    assert caught.value.field == field


def test_stack_capability_needs_the_table_and_a_started_server() -> None:
    d13, a01 = CATALOG.get("d13"), CATALOG.get("a01")
    assert d13 is not None and a01 is not None
    assert missing(Capability.STACK, TargetKind.SERVE, d13) is None
    assert "--url" in (missing(Capability.STACK, TargetKind.URL, d13) or "")
    assert "[check.production]" in (missing(Capability.STACK, TargetKind.SERVE, a01) or "")
    assert missing(Capability.STACK, TargetKind.INPROCESS, a01) is not None


# -- the rewrite -------------------------------------------------------------------------------

BLOCK = """\
upstream web {
    server web:8000;   # the compose service
    server web2:8000 backup;
}
server {
    listen 80;
    listen [::]:80;
    server_name blog.example.com;
    access_log /var/log/nginx/blog.log combined;
    error_log /var/log/nginx/blog-error.log;
    location /static/ { alias /app/app/static/; }
    location /media/ { root /app; }
    location /other/ { alias /srv/other/; }
    # listen 8080;  (a comment stays a comment)
    location / { proxy_pass http://web; }
    location /direct/ { proxy_pass http://backend:9000/; }
}
"""


def test_rewrite_points_the_block_at_the_check_and_keeps_the_lines() -> None:
    out = rewrite_server_block(
        BLOCK, listen=4321, upstream="127.0.0.1:9999", root="/app", app_dir=Path("/tmp/copy")
    )
    assert out.count("\n") == BLOCK.count("\n")  # nginx -t line numbers stay the learner's
    lines = out.splitlines()
    assert lines[1].strip().startswith("server 127.0.0.1:9999;")
    assert "web2" not in lines[2] and lines[2].strip().startswith("#")
    assert lines[5].strip() == "listen 127.0.0.1:4321;"
    assert lines[6].strip().startswith("#")  # a second listen would repeat the first
    assert "access_log /dev/stdout combined;" in lines[8]
    assert "error_log stderr;" in lines[9]
    assert "alias /tmp/copy/app/static/;" in lines[10]
    assert "root /tmp/copy;" in lines[11]
    assert "alias /srv/other/;" in lines[12]  # not under /app: left alone
    assert lines[13] == "    # listen 8080;  (a comment stays a comment)"
    assert "proxy_pass http://web;" in lines[14]  # a named upstream stays by name
    assert "proxy_pass http://127.0.0.1:9999/;" in lines[15]


# -- the stack itself --------------------------------------------------------------------------

APP = """
import time

def app(environ, start_response):
    if environ["PATH_INFO"] == "/slow":
        time.sleep(1.5)
    body = ("hello " + environ.get("HTTP_X_FORWARDED_FOR", "-")).encode()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body]
"""

NGINX = """\
upstream web {
    server web:8000;
}
server {
    listen 80;
    location /static/ { alias /app/static/; expires 1d; }
    location / {
        proxy_pass http://web;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
}
"""


def app_folder(tmp_path: Path, nginx: str = NGINX) -> Path:
    folder = tmp_path / "learner"
    (folder / "static").mkdir(parents=True)
    (folder / "wsgi.py").write_text(APP)
    (folder / "gunicorn.conf.py").write_text(
        "workers = 2\naccesslog = '-'\ngraceful_timeout = 10\n"
    )
    (folder / "nginx.conf").write_text(nginx)
    (folder / "static" / "site.css").write_text("body { margin: 0 }\n")
    return folder


def running_in(folder: Path) -> list[int]:
    """The processes whose working directory is ``folder`` (gunicorn's master and workers
    run in the sandbox copy, nginx's master and workers in its prefix)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if Path(os.readlink(entry / "cwd")) == folder:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def ps_lists(pid: int) -> bool:
    """Whether `ps` still lists ``pid`` (not as a zombie)."""
    shown = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True)
    return bool(shown.stdout.strip()) and not shown.stdout.strip().startswith("Z")


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[ProductionStack, Sandbox]]:
    needs_nginx()
    sandbox = Sandbox(app_folder(tmp_path))
    stack = ProductionStack(sandbox, Production(root="/app"))
    try:
        stack.start()
        stack.wait_ready()
        yield stack, sandbox
    finally:
        stack.stop()
        stack.close()
        sandbox.cleanup()


def test_requests_go_through_nginx_to_gunicorn_and_both_log(
    running: tuple[ProductionStack, Sandbox],
) -> None:
    stack, _ = running
    answer = httpx.get(stack.base_url + "/hi", headers={"X-Forwarded-For": "203.0.113.5"})
    assert answer.status_code == 200 and answer.headers["server"].startswith("nginx")
    assert answer.text == "hello 203.0.113.5, 127.0.0.1"  # nginx appended the real address
    static = httpx.get(stack.base_url + "/static/site.css")
    assert static.status_code == 200 and "max-age=86400" in static.headers["cache-control"]
    nginx_log, gunicorn_log = stack.logs["nginx"], stack.logs["gunicorn"]
    assert nginx_log.wait_for(r'"GET /static/site\.css HTTP/1\.1" 200', timeout=3)
    assert gunicorn_log.wait_for(r'"GET /hi HTTP/1\.0" 200', timeout=3)  # its access log
    assert not any("site.css" in line for line in gunicorn_log.lines())
    assert stack.logs["web"] is gunicorn_log


def test_sigterm_lets_the_request_in_flight_finish(
    running: tuple[ProductionStack, Sandbox],
) -> None:
    stack, _ = running
    view = StackView(stack)
    direct = view.client("gunicorn").get("/direct")
    assert direct.text == "hello -"  # straight to gunicorn: no nginx header
    with httpx.Client() as http:
        answers: list[int] = []
        slow = threading.Thread(
            target=lambda: answers.append(
                http.get(stack.base_url + "/slow", timeout=10).status_code
            )
        )
        slow.start()
        time.sleep(0.5)
        view.signal("gunicorn", signal.SIGTERM)
        slow.join(10)
    assert answers == [200]
    assert view.wait_exit("gunicorn", timeout=15) == 0
    assert not stack.alive() and view.alive("nginx")
    view.close()


def test_everything_is_stopped_and_removed(tmp_path: Path) -> None:
    needs_nginx()
    sandbox = Sandbox(app_folder(tmp_path))
    stack = ProductionStack(sandbox, Production(root="/app"))
    try:
        stack.start()
        stack.wait_ready()
        folder = stack.folder
        masters = [p.process.pid for p in stack.processes.values() if p.process is not None]
        assert len(masters) == 2 and all(ps_lists(pid) for pid in masters)
        # Ready means both masters answer; their workers may still be forking. Wait (up to
        # 10 s) for gunicorn's master and 2 workers, nginx's master and a worker.
        tree: list[int] = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            tree = running_in(sandbox.path.resolve()) + running_in(folder.resolve())
            if len(tree) >= 5:
                break
            time.sleep(0.1)
        assert len(tree) >= 5, tree
    finally:
        stack.stop()
        stack.close()
        sandbox.cleanup()
    assert [pid for pid in masters + tree if ps_lists(pid)] == []
    assert not folder.exists()


def test_nginx_t_speaks_first_with_the_learners_file_and_line(tmp_path: Path) -> None:
    needs_nginx()
    broken = NGINX.replace("    listen 80;", "    lisen 80;")
    sandbox = Sandbox(app_folder(tmp_path, broken))
    stack = ProductionStack(sandbox, Production(root="/app"))
    try:
        stack.start()
        with pytest.raises(TargetError) as caught:
            stack.wait_ready()
    finally:
        stack.stop()
        stack.close()
        sandbox.cleanup()
    error = caught.value
    assert error.kind is ErrorKind.PROXY_CONFIG
    assert 'unknown directive "lisen"' in error.message
    assert f"{tmp_path / 'learner' / 'nginx.conf'}:5" in error.message  # their file, their line
    assert "mission-nginx-" not in error.message  # never the checker's private copy
    assert stack.processes["nginx"].process is None  # nginx never started


def test_a_missing_nginx_conf_is_named(tmp_path: Path) -> None:
    needs_nginx()
    folder = app_folder(tmp_path)
    (folder / "nginx.conf").unlink()
    sandbox = Sandbox(folder)
    stack = ProductionStack(sandbox, Production(root="/app"))
    try:
        stack.start()
        with pytest.raises(TargetError, match=r"There is no nginx\.conf"):
            stack.wait_ready()
    finally:
        stack.stop()
        stack.close()
        sandbox.cleanup()
