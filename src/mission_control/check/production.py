"""The production stack: the learner's app under gunicorn, behind nginx, as it is deployed.

A lesson with ``[check.production]`` is checked through :class:`ProductionStack`, a
launcher like the others (:mod:`.launchers`): gunicorn runs the learner's WSGI entry with
the learner's ``gunicorn.conf.py`` on a free 127.0.0.1 port (``--bind`` on the command
line wins over the file's ``bind``), and nginx, the system's package, runs in front of it
as a process of the checker, with a prefix, pid file, temp paths and logs of its own in a
private folder, never as a daemon. nginx reads a small main configuration written here,
which includes the learner's server block rewritten by :func:`rewrite_server_block`: every
``listen`` becomes the free port, every upstream server (or a ``proxy_pass`` host) the
gunicorn port, paths under the image's app folder (``root``, ``/app``) the check's copy,
and log files the process's own stdout and stderr. Rewrites keep every line where it was,
so ``nginx -t``, which runs first, points at the learner's own line numbers; its message is
what the learner reads when the configuration is wrong.

Checkpoints talk to nginx (``client``, ``base_url``), read both logs (``app_log`` is
gunicorn's, ``process_log("nginx")``) and reach the processes through :class:`StackView`
(the ``stack`` fixture): their addresses, pids and signals. Both processes are always
stopped, with everything they started, like every process of a check.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from mission_control.catalog import Production
from mission_control.check.client import Client
from mission_control.check.launchers import Launcher
from mission_control.check.processes import (
    AppLog,
    ManagedProcess,
    describe_exit,
    free_port,
    port_answers,
    run_command,
)
from mission_control.check.report import ErrorKind, TargetError, TargetKind
from mission_control.check.sandbox import Sandbox
from mission_control.check.transports import HttpTransport

NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx")
MIME_TYPES = Path("/etc/nginx/mime.types")
INSTALL_HINT = "apt-get install -y nginx"
SERVER_FILE = "server.conf"  # the learner's block, rewritten, in the stack's folder
TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")

_UPSTREAM = re.compile(r"\bupstream\s+([\w.-]+)\s*\{([^}]*)\}", re.S)
_UPSTREAM_SERVER = re.compile(r"(?m)^(\s*)server\s+[^;]+;")
_LISTEN = re.compile(r"(?m)^(\s*)listen\s+[^;]+;")
_PROXY_PASS = re.compile(r"\b(proxy_pass\s+https?://)([^/;\s]+)")
_LOG = re.compile(r"\b(access_log|error_log)\s+([^\s;]+)")
_COMMENT = re.compile(r"#[^\n]*")


def find_nginx() -> str | None:
    """The nginx binary, or ``None`` where the package is not installed."""
    found = shutil.which("nginx")
    if found:
        return found
    return next((path for path in NGINX_CANDIDATES if os.access(path, os.X_OK)), None)


def _blank_comments(text: str) -> str:
    """``text`` with its comments replaced by spaces: positions (and lines) stay the same,
    so a match found here can be replaced in the original."""
    return _COMMENT.sub(lambda m: " " * len(m.group(0)), text)


def _replace_spans(text: str, spans: list[tuple[int, int, str]]) -> str:
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def rewrite_server_block(text: str, *, listen: int, upstream: str, root: str, app_dir: Path) -> str:
    """The learner's server block with its addresses pointed at the check's processes:
    ``listen`` -> ``127.0.0.1:<listen>`` (only the first of a server's listens; the others,
    an IPv6 ``[::]:80`` say, are commented out, since they would repeat it), each upstream's
    servers -> ``upstream`` (the first kept, the rest commented out), a ``proxy_pass`` to a
    host that is no upstream -> ``upstream``, ``root``/``alias`` paths under ``root`` -> the
    same path in ``app_dir``, log files -> the process's stderr/stdout. No line is added or
    removed."""
    plain = _blank_comments(text)
    spans: list[tuple[int, int, str]] = []
    names = set()
    for block in _UPSTREAM.finditer(plain):
        names.add(block.group(1))
        for n, server in enumerate(_UPSTREAM_SERVER.finditer(block.group(2))):
            start, end = block.start(2) + server.start(), block.start(2) + server.end()
            indent = server.group(1)
            kept = f"{indent}server {upstream};" if n == 0 else f"{indent}# (left out)"
            spans.append((start, end, kept))
    servers = [m.start() for m in re.finditer(r"\bserver\s*\{", plain)]
    seen_listen: set[int] = set()
    for match in _LISTEN.finditer(plain):
        server_start = max((at for at in servers if at < match.start()), default=-1)
        indent = match.group(1)
        if server_start in seen_listen:
            spans.append((match.start(), match.end(), f"{indent}# (listen left out)"))
        else:
            seen_listen.add(server_start)
            spans.append((match.start(), match.end(), f"{indent}listen 127.0.0.1:{listen};"))
    for match in _PROXY_PASS.finditer(plain):
        host = match.group(2)
        if host.split(":")[0] not in names and not host.startswith("$"):
            spans.append((match.start(2), match.end(2), upstream))
    prefix = root.rstrip("/")
    for match in re.finditer(rf"\b(root|alias)\s+{re.escape(prefix)}(?=[/;\s])", plain):
        spans.append((match.start(), match.end(), f"{match.group(1)} {app_dir}"))
    for match in _LOG.finditer(plain):
        if match.group(2) in ("off", "stderr"):
            continue
        target = "/dev/stdout" if match.group(1) == "access_log" else "stderr"
        spans.append((match.start(2), match.end(2), target))
    return _replace_spans(text, spans)


def main_config(folder: Path, server_file: Path) -> str:
    """The nginx.conf the checker writes around the learner's block."""
    user = "user root root;\n" if os.geteuid() == 0 else ""  # workers keep the checker's user
    mime = f"    include {MIME_TYPES};\n" if MIME_TYPES.is_file() else ""
    temps = "".join(f"    {name}_temp_path {folder / name};\n" for name in TEMP_PATHS)
    return (
        f"{user}worker_processes 1;\n"
        "error_log stderr notice;\n"
        "events { worker_connections 512; }\n"
        "http {\n"
        f"{mime}"
        "    default_type application/octet-stream;\n"
        "    access_log /dev/stdout;\n"
        f"{temps}"
        f"    include {server_file};\n"
        "}\n"
    )


class ProductionStack(Launcher):
    """gunicorn with the learner's config, nginx with the learner's server block in front;
    requests go to nginx. ``log`` is gunicorn's; ``logs`` has both, by name."""

    kind = TargetKind.SERVE

    def __init__(
        self,
        sandbox: Sandbox,
        spec: Production,
        *,
        env: Mapping[str, str] | None = None,
        start_timeout: float = 20.0,
    ) -> None:
        self.sandbox = sandbox
        self.spec = spec
        self.start_timeout = start_timeout
        self.gunicorn_port = free_port()
        self.nginx_port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="mission-nginx-"))
        self.gunicorn_command = (
            f"gunicorn -c {shlex.quote(spec.gunicorn)} --no-control-socket "
            f"--bind 127.0.0.1:{self.gunicorn_port} {shlex.quote(spec.wsgi)}"
        )
        self.gunicorn = ManagedProcess(
            "gunicorn",
            self.gunicorn_command,
            sandbox.path,
            {**(env or {}), "PORT": str(self.gunicorn_port)},
            sandbox.restore_paths,
        )
        self.nginx = ManagedProcess(
            "nginx", "nginx", self.folder, {}, self._restore
        )  # its command is set in start(), once the binary is found
        self.log = self.gunicorn.log
        self._http = HttpTransport(f"http://127.0.0.1:{self.nginx_port}")
        self._problem: TargetError | None = None

    # -- what checkpoints see ------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self._http.base_url

    @property
    def transport(self) -> HttpTransport:
        return self._http

    @property
    def logs(self) -> dict[str, AppLog]:
        return {"web": self.gunicorn.log, "gunicorn": self.gunicorn.log, "nginx": self.nginx.log}

    @property
    def processes(self) -> dict[str, ManagedProcess]:
        return {"gunicorn": self.gunicorn, "nginx": self.nginx}

    def url(self, name: str) -> str:
        port = {"gunicorn": self.gunicorn_port, "nginx": self.nginx_port}[name]
        return f"http://127.0.0.1:{port}"

    # -- nginx's configuration -----------------------------------------------------------

    @property
    def learner_file(self) -> Path:
        return self.sandbox.source / self.spec.nginx

    def _restore(self, text: str) -> str:
        """nginx's messages with the learner's file where the rewritten copy is named."""
        text = text.replace(str(self.folder / SERVER_FILE), str(self.learner_file))
        text = text.replace(str(self.folder / "nginx.conf"), "the checker's nginx.conf")
        return self.sandbox.restore_paths(text)

    def _configure(self) -> list[str] | None:
        """Write the configuration and test it (``nginx -t``); the command line to start
        nginx, or ``None`` with :attr:`_problem` set."""
        nginx = find_nginx()
        if nginx is None:
            self._problem = TargetError(
                ErrorKind.SERVICE_FAILED,
                "This lesson runs your app behind nginx, and nginx is not installed here. "
                f"Install the package (`{INSTALL_HINT}`), then check again.",
            )
            return None
        source = self.sandbox.path / self.spec.nginx
        if not source.is_file():
            self._problem = TargetError(
                ErrorKind.PROXY_CONFIG,
                f"There is no {self.spec.nginx} in {self.sandbox.source}: the checker runs "
                "nginx with the server block in that file, in front of gunicorn.",
            )
            return None
        for name in TEMP_PATHS:
            (self.folder / name).mkdir(exist_ok=True)
        server = self.folder / SERVER_FILE
        server.write_text(
            rewrite_server_block(
                source.read_text(encoding="utf-8", errors="replace"),
                listen=self.nginx_port,
                upstream=f"127.0.0.1:{self.gunicorn_port}",
                root=self.spec.root,
                app_dir=self.sandbox.path,
            ),
            encoding="utf-8",
        )
        main = self.folder / "nginx.conf"
        main.write_text(main_config(self.folder, server), encoding="utf-8")
        argv = [
            nginx,
            "-p",
            f"{self.folder}/",
            "-c",
            str(main),
            "-e",
            "stderr",
            "-g",
            f"daemon off; pid {self.folder / 'nginx.pid'};",
        ]
        tested = run_command([*argv, "-t", "-q"], cwd=self.folder, env={}, timeout=10.0)
        if tested.exit_code != 0:
            said = self._restore(tested.output.strip()) or "(nginx printed nothing)"
            self._problem = TargetError(
                ErrorKind.PROXY_CONFIG,
                f"Before it starts nginx, the checker tests your {self.spec.nginx} with "
                f"`nginx -t` (your server block, included in the http block of a main "
                f"configuration, its listen ports and upstream servers pointed at free local "
                f"ports). nginx said:\n\n{said}\n\nFix the line it names, then check again.",
            )
            return None
        return argv

    # -- life cycle ----------------------------------------------------------------------

    def start(self) -> None:
        self._problem = None
        argv = self._configure()
        self.gunicorn.start()
        if argv is not None:
            self.nginx.command = shlex.join(argv)
            self.nginx.start()

    def wait_ready(self) -> None:
        if self._problem is not None:
            raise self._problem
        deadline = time.monotonic() + self.start_timeout
        for name, port in (("gunicorn", self.gunicorn_port), ("nginx", self.nginx_port)):
            process = self.processes[name]
            while not port_answers(port):
                code = process.exit_code()
                if code is not None:
                    raise TargetError(
                        ErrorKind.SERVER_EXITED,
                        f"{self._what(name)} stopped before it answered ({describe_exit(code)}), "
                        f"so no checkpoint can run.{process.printed()}",
                    )
                if time.monotonic() > deadline:
                    raise TargetError(
                        ErrorKind.SERVER_NOT_ANSWERING,
                        f"{self._what(name)} started, but nothing answered on 127.0.0.1:{port} "
                        f"within {self.start_timeout:g} s.{process.printed()}",
                    )
                time.sleep(0.05)

    def _what(self, name: str) -> str:
        if name == "gunicorn":
            return f"gunicorn (`{self.gunicorn_command}`, with your {self.spec.gunicorn})"
        return f"nginx (with your {self.spec.nginx})"

    def alive(self) -> bool:
        return self.gunicorn.alive and self.nginx.alive

    def lost(self, reason: str = "") -> str:
        for name, process in self.processes.items():
            code = process.exit_code(wait=0.5)
            if code is not None:
                return f"{name} exited ({describe_exit(code)}).\n\n{process.log.tail(10)}"
        return super().lost(reason)

    def stop(self, graceful: bool = False) -> None:
        self.nginx.stop(grace=3.0 if graceful else 1.0)
        self.gunicorn.stop(grace=3.0 if graceful else 1.0)
        self._http.reset_session()

    def close(self) -> None:
        self._http.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class StackView:
    """What a checkpoint may do with the production stack (the ``stack`` fixture): the
    address of each process, its pid, a signal to it, and waiting for it to end. Names are
    ``"gunicorn"`` (its master) and ``"nginx"`` (its master)."""

    def __init__(self, stack: ProductionStack, timeout: float = 10.0) -> None:
        self._stack = stack
        self._timeout = timeout
        self._transports: list[HttpTransport] = []

    def client(self, name: str = "gunicorn") -> Client:
        """A ``client`` that talks to ``name`` directly (``"gunicorn"``: as nginx does,
        so a checkpoint can send the forwarding headers nginx would)."""
        transport = HttpTransport(self.url(name))
        self._transports.append(transport)
        return Client(transport, transport.base_url, timeout=self._timeout)

    def close(self) -> None:
        for transport in self._transports:
            transport.close()
        self._transports.clear()

    def _process(self, name: str) -> ManagedProcess:
        try:
            return self._stack.processes[name]
        except KeyError:
            from mission_control.check.report import CheckerError

            raise CheckerError(f"the production stack has no process {name!r}") from None

    def url(self, name: str) -> str:
        """``http://127.0.0.1:<port>`` of ``"gunicorn"`` (bypassing nginx) or ``"nginx"``."""
        self._process(name)
        return self._stack.url(name)

    def pid(self, name: str) -> int | None:
        process = self._process(name).process
        return process.pid if process is not None and process.poll() is None else None

    def signal(self, name: str, sig: signal.Signals = signal.SIGTERM) -> None:
        """Send ``sig`` to the master process ``name`` (only to it, not to its group)."""
        process = self._process(name).process
        if process is not None and process.poll() is None:
            process.send_signal(sig)

    def wait_exit(self, name: str, timeout: float) -> int | None:
        """The exit code of ``name`` once it has ended, waiting up to ``timeout`` seconds;
        ``None`` if it is still running (negative: killed by that signal)."""
        return self._process(name).exit_code(wait=timeout)

    def alive(self, name: str) -> bool:
        return self._process(name).alive
