"""What a target can do for a checkpoint, and the one message for what it cannot.

A fixture asks for a capability (``restart``, ``log``, ``folder``, ...) through
:func:`missing`; when the target lacks it, the checkpoint is skipped with the message
written here, once, for that capability and that kind of target, instead of every fixture
testing the target's kind in its own way.
"""

from __future__ import annotations

from enum import StrEnum

from mission_control.catalog import Lesson
from mission_control.check.report import TargetKind


class Capability(StrEnum):
    RESTART = "restart"  # stop the app and start it again over the same files
    LOG = "log"  # read what the app printed
    FOLDER = "folder"  # run a command in the app's folder
    PORT = "port"  # a real address that a browser or a Socket.IO client can reach
    WSGI = "wsgi"  # call the app object itself (wsgiref.validate, raised exceptions)
    SERVICES = "services"  # the lesson's services (fakes) connected to the app
    DATABASE = "database"  # read what the app stored in the check's own database
    STACK = "stack"  # the production stack's processes (nginx, gunicorn): ports, signals


#: What each kind of target offers.
OFFERS: dict[TargetKind, frozenset[Capability]] = {
    TargetKind.INPROCESS: frozenset(Capability) - {Capability.PORT, Capability.STACK},
    TargetKind.SERVE: frozenset(Capability),
    TargetKind.URL: frozenset({Capability.PORT}),
}


def missing(capability: Capability, kind: TargetKind, lesson: Lesson) -> str | None:
    """Why a checkpoint that needs ``capability`` cannot run on a ``kind`` target of
    ``lesson``, in the learner's terms; ``None`` when it can."""
    if capability is Capability.STACK and kind is not TargetKind.URL:
        if lesson.production is not None:
            return None
        return (
            "this checkpoint needs the production stack (nginx and gunicorn), and the lesson "
            "declares no [check.production]"
        )
    if capability in OFFERS[kind] and capability is not Capability.STACK:
        return None
    check = f"mission check {lesson.id}"
    if capability is Capability.PORT:
        return (
            "this checkpoint talks to your app over a real port, which an in-process check "
            f"does not open: run `{check} --serve` for it"
        )
    why = {
        Capability.RESTART: (
            "this checkpoint restarts your app to see that data is kept, and the checker "
            f"cannot restart a server it did not start: run `{check}` or `{check} --serve` "
            "for it"
        ),
        Capability.LOG: (
            "this checkpoint reads what your app logs, and with --url the checker cannot see "
            f"your server's output: run `{check}` for it"
        ),
        Capability.FOLDER: (
            "this checkpoint runs a command in your app's folder, and with --url the checker "
            f"has no folder: run `{check}` for it"
        ),
        Capability.WSGI: (
            "this checkpoint calls your app object itself (under wsgiref's validator), and "
            f"with --url the checker has only its address: run `{check}` for it"
        ),
        Capability.SERVICES: (
            "this checkpoint needs your app connected to a fake outside service, which the "
            f"checker can only arrange when it starts your app: run `{check}` or add --serve. "
            + " ".join(service.hint for service in lesson.services if service.hint)
        ).strip(),
        Capability.STACK: (
            "this checkpoint sends signals to the gunicorn and nginx processes the checker "
            f"starts, and with --url the checker starts none: run `{check}` for it"
        ),
        Capability.DATABASE: (
            "this checkpoint looks into the database your app writes to, and with --url the "
            f"checker cannot see your server's database: run `{check}` or `{check} --serve` "
            "for it"
        ),
    }
    return why[capability]
