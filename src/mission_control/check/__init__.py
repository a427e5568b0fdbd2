"""The checker: checkpoints (pytest tests) run against a learner's app in a child process.

What a checkpoint module imports from here is the whole checkpoint API; the engine lives in
``plugin`` (the pytest plugin), ``targets`` (in-process, served, URL), ``runner`` (one check
run, its report) and ``worker`` (the child process that hosts the learner's app).
"""

from mission_control.check.api import checkpoint, expect, expect_equal, fail
from mission_control.check.client import (
    AppCrashed,
    CheckFailed,
    Client,
    Request,
    RequestTimedOut,
    Response,
    same_path,
)

__all__ = [
    "AppCrashed",
    "CheckFailed",
    "Client",
    "Request",
    "RequestTimedOut",
    "Response",
    "checkpoint",
    "expect",
    "expect_equal",
    "fail",
    "same_path",
]
