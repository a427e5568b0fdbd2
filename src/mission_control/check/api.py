"""How a lesson writes a checkpoint.

A checkpoint is a pytest test function in ``checkpoints/test_*.py`` with::

    @checkpoint(id="create-todo", hint="Return the new to-do with `jsonify(todo), 201`.")
    def test_create_todo(client):
        \"\"\"POST /todos creates a to-do and answers 201 with a Location header\"\"\"
        r = client.post("/todos", json={"title": "Buy milk"})
        r.expect_status(201)

- the docstring's first paragraph is the title the learner sees;
- ``id`` is stable (progress is kept by it; it defaults to the function name without
  ``test_``); ``hint`` is advice in the lesson's own terms, shown under a failure;
- ``requires`` names checkpoints that must pass first; if one did not, this one is skipped
  and says which;
- ``app="django"`` (a lesson with several apps, ``[[apps]]``) runs the checkpoint only when
  that app is checked: what only one framework gives (Django's admin);
- ``hidden=True`` (a teacher's private check) shows the learner only a fixed message when it
  does not pass: no detail, request, response, log or hint.

Checkpoints are black-box: they get fixtures from the checker's plugin (``client``,
``restart_app``, ``fakes``, ``run_command``, ``app_log``, ``target_kind``) and never
import the code they check. Arguments to ``@checkpoint`` are literals: the hub reads them
without importing the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from mission_control.check.client import CheckFailed, Response

F = TypeVar("F", bound=Callable[..., Any])
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")


@dataclass(frozen=True)
class CheckpointSpec:
    id: str
    hint: str | None
    requires: tuple[str, ...]
    hidden: bool = False
    app: str | None = None  # a lesson with several apps: runs only when checking this one


def checkpoint(
    id: str | None = None,
    *,
    hint: str | None = None,
    requires: str | tuple[str, ...] = (),
    hidden: bool = False,
    app: str | None = None,
) -> Callable[[F], F]:
    """Mark a test function as a checkpoint (see the module docstring)."""
    required = (requires,) if isinstance(requires, str) else tuple(requires)

    def mark(function: F) -> F:
        name = id or function.__name__.removeprefix("test_")
        if not ID_PATTERN.match(name):
            raise ValueError(f"checkpoint id {name!r} must be lower-case words joined by - or _")
        if not (function.__doc__ or "").strip():
            raise ValueError(f"checkpoint {name!r} needs a docstring: its title")
        function.__checkpoint__ = CheckpointSpec(name, hint, required, hidden, app)  # type: ignore[attr-defined]
        return function

    return mark


def title_of(docstring: str | None) -> str:
    """The title of a checkpoint: its docstring's first paragraph on one line."""
    first = (docstring or "").strip().split("\n\n")[0]
    return " ".join(first.split())


def fail(message: str, *, hint: str | None = None, response: Response | None = None) -> None:
    """Fail the checkpoint with ``message`` (say what was expected and what came)."""
    raise CheckFailed(message, hint=hint, response=response)


def expect(
    condition: object,
    expected: str,
    got: str | None = None,
    *,
    hint: str | None = None,
    response: Response | None = None,
) -> None:
    """Fail with "expected <expected>, not <got>" unless ``condition`` holds."""
    if not condition:
        fail(
            f"expected {expected}" + (f", not {got}" if got is not None else ""),
            hint=hint,
            response=response,
        )


def expect_equal(
    actual: object,
    wanted: object,
    what: str,
    *,
    hint: str | None = None,
    response: Response | None = None,
) -> None:
    """Fail with "expected <what> to be <wanted>, not <actual>" unless they are equal."""
    either_bool = isinstance(wanted, bool) or isinstance(actual, bool)
    if actual != wanted or (type(actual) is not type(wanted) and either_bool):
        fail(
            f"expected {what} to be {_show(wanted)}, not {_show(actual)}",
            hint=hint,
            response=response,
        )


def _show(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    return repr(value)
