"""The `redis` and `smtp` service kinds, and the `also`/`port_env` fields that give their
addresses to the app.

- redis: each check claims a database of its own on the local server (two at once never
  share one), gives its URL in every variable named, and flushes it at the end; where no
  Redis answers the check's checkpoints are skipped with the command that starts it, and
  with CI set that is the error `service_failed`;
- smtp: a real SMTP conversation with the fake (aiosmtpd), which records to, subject and
  body, refuses the next N deliveries with 451, answers slowly, and fails QUIT with 421.
"""

from __future__ import annotations

import os
import smtplib
import time
from email.message import EmailMessage
from pathlib import Path
from types import MappingProxyType

import pytest
from helpers import CATALOG, mission

from mission_control.catalog import CatalogError, Service, load_lesson
from mission_control.check.mail import MailService
from mission_control.check.report import TargetError
from mission_control.check.services import ServiceUnavailable

D11 = CATALOG.get("d11")


def redis_or_skip() -> None:
    import redis

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis must run on 127.0.0.1:6379 in CI: {exc}")
        pytest.skip(f"no Redis on 127.0.0.1:6379 (start it: `redis-server --daemonize yes`): {exc}")


def spec(kind: str, env: str, **options: str) -> Service:
    return Service(kind=kind, env=env, options=MappingProxyType(options))


# -- redis -----------------------------------------------------------------------------------


def test_each_redis_service_has_a_database_of_its_own_flushed_after() -> None:
    import redis

    from mission_control.check.redis_service import RedisService

    redis_or_skip()
    assert D11 is not None
    wanted = spec("redis", "CELERY_BROKER_URL", also="CELERY_RESULT_BACKEND")
    first, second = RedisService(D11, wanted), RedisService(D11, wanted)
    try:
        assert first.db != second.db
        assert first.env == {
            "CELERY_BROKER_URL": first.url,
            "CELERY_RESULT_BACKEND": first.url,
        }
        assert first.url == f"redis://127.0.0.1:6379/{first.db}"
        redis.Redis.from_url(first.url).rpush("celery", "a task")
        assert first.keys() == ["celery"]
        assert second.keys() == []  # the other check's queue is not this one's
    finally:
        first.stop()
        second.stop()
    # flushed, and the claim with it: the database is free for the next check
    assert redis.Redis.from_url(first.url).dbsize() == 0


def test_without_redis_the_checkpoints_are_skipped_with_the_command_that_starts_it() -> None:
    from mission_control.check.redis_service import RedisService

    assert D11 is not None
    away = {"MISSION_REDIS_PORT": "1", "CI": ""}
    old = {name: os.environ.get(name) for name in away}
    os.environ.update(away)
    try:
        with pytest.raises(ServiceUnavailable, match="redis-server --daemonize yes"):
            RedisService(D11, spec("redis", "CELERY_BROKER_URL"))
        os.environ["CI"] = "1"
        with pytest.raises(TargetError) as raised:
            RedisService(D11, spec("redis", "CELERY_BROKER_URL"))
        assert not isinstance(raised.value, ServiceUnavailable)
        assert "CI is set" in raised.value.message
    finally:
        for name, value in old.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def test_a_check_without_redis_skips_every_checkpoint_and_says_how_to_start_it() -> None:
    run = mission("check", "d11", "--solution", "--json", env={"MISSION_REDIS_PORT": "1", "CI": ""})
    report = run.report
    assert run.returncode == 1, run.output
    assert report["error"] is None, report["error"]
    assert report["notices"] and "redis-server --daemonize yes" in report["notices"][0]
    assert report["results"] and {r["status"] for r in report["results"]} == {"skipped"}
    assert all("redis-server" in r["message"] for r in report["results"])

    ci = mission("check", "d11", "--solution", "--json", env={"MISSION_REDIS_PORT": "1", "CI": "1"})
    assert ci.returncode == 1
    assert ci.report["error"]["kind"] == "service_failed", ci.report
    assert "CI is set" in ci.report["error"]["message"]


# -- smtp ------------------------------------------------------------------------------------


def message(to: str, subject: str, body: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "app@example.com"
    mail["To"] = to
    mail["Subject"] = subject
    mail.set_content(body)
    return mail


@pytest.fixture
def fake_smtp():
    assert D11 is not None
    service = MailService(D11, spec("smtp", "MAIL_SERVER", port_env="SMTP_PORT"))
    try:
        yield service
    finally:
        service.stop()


def test_the_fake_smtp_server_records_what_it_accepts(fake_smtp: MailService) -> None:
    assert fake_smtp.env == {"MAIL_SERVER": "127.0.0.1", "SMTP_PORT": str(fake_smtp.port)}
    with smtplib.SMTP(fake_smtp.host, fake_smtp.port, timeout=10) as smtp:
        smtp.send_message(message("ada@example.com", "Welcome, ada!", "Hello ada"))
    [mail] = fake_smtp.wait_for(to="ADA@example.com", subject="welcome", timeout=5)
    assert mail.to == ("ada@example.com",)
    assert mail.subject == "Welcome, ada!"
    assert mail.body.strip() == "Hello ada"
    assert fake_smtp.find(to="bob@example.com") == []
    assert fake_smtp.find(subject="digest") == []


def test_refusals_are_451_for_the_recipient_named_only(fake_smtp: MailService) -> None:
    fake_smtp.refuse_next(2, to="ada@example.com")
    for _ in range(2):
        with (
            pytest.raises(smtplib.SMTPDataError) as refused,
            smtplib.SMTP(fake_smtp.host, fake_smtp.port, timeout=10) as smtp,
        ):
            smtp.send_message(message("ada@example.com", "try", "x"))
        assert refused.value.smtp_code == 451
    with smtplib.SMTP(fake_smtp.host, fake_smtp.port, timeout=10) as smtp:
        smtp.send_message(message("bob@example.com", "not refused", "x"))
        smtp.send_message(message("ada@example.com", "third try", "x"))
    assert fake_smtp.refused == 2
    assert [m.subject for m in fake_smtp.find()] == ["not refused", "third try"]


def test_quit_can_fail_after_the_message_was_accepted(fake_smtp: MailService) -> None:
    fake_smtp.fail_quit_after_next(1)
    with (
        pytest.raises(smtplib.SMTPResponseException) as failed,
        smtplib.SMTP(fake_smtp.host, fake_smtp.port, timeout=10) as smtp,
    ):
        smtp.send_message(message("ada@example.com", "accepted", "x"))
    assert failed.value.smtp_code == 421
    assert [m.subject for m in fake_smtp.find()] == ["accepted"]  # delivered all the same


def test_a_slow_server_takes_its_time_then_accepts(fake_smtp: MailService) -> None:
    fake_smtp.slow_down(0.5, to="ada@example.com")
    started = time.monotonic()
    with smtplib.SMTP(fake_smtp.host, fake_smtp.port, timeout=10) as smtp:
        smtp.send_message(message("ada@example.com", "slow", "x"))
    accepted = fake_smtp.find()[0].at
    assert accepted - started >= 0.5
    fake_smtp.reset()
    with smtplib.SMTP(fake_smtp.host, fake_smtp.port, timeout=10) as smtp:
        smtp.send_message(message("ada@example.com", "normal", "x"))
    assert len(fake_smtp.find()) == 2


# -- the catalog -----------------------------------------------------------------------------


LESSON = """format = 2
id = "a01"
title = "T"
phase = 1
order = 1
summary = "S"
requirements = []
[app]
entry = "app:app"
run = "python app.py"
port = 5000
"""


def write_lesson(tmp_path: Path, services: str) -> Path:
    folder = tmp_path / "assignments" / "01-x"
    folder.mkdir(parents=True)
    (folder / "lesson.toml").write_text(LESSON + services)
    return folder


def test_the_catalog_reads_redis_and_smtp_services(tmp_path: Path) -> None:
    folder = write_lesson(
        tmp_path,
        '[[check.services]]\nkind = "redis"\nenv = "BROKER"\nalso = "BACKEND RESULTS"\n'
        '[[check.services]]\nkind = "smtp"\nenv = "MAIL_SERVER"\nport_env = "MAIL_PORT"\n',
    )
    lesson = load_lesson(folder / "lesson.toml")
    redis_spec, smtp_spec = lesson.services
    assert (redis_spec.kind, redis_spec.env, redis_spec.option("also")) == (
        "redis",
        "BROKER",
        "BACKEND RESULTS",
    )
    assert (smtp_spec.kind, smtp_spec.option("port_env")) == ("smtp", "MAIL_PORT")


def test_the_catalog_refuses_bad_variable_names(tmp_path: Path) -> None:
    folder = write_lesson(
        tmp_path, '[[check.services]]\nkind = "redis"\nenv = "BROKER"\nalso = "backend"\n'
    )
    with pytest.raises(CatalogError, match="also"):
        load_lesson(folder / "lesson.toml")
