"""Builders for the unit tests: responses made by hand, without any app or transport."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from handmade import build_response

from mission_control.check.client import Response


@pytest.fixture
def respond() -> Callable[..., Response]:
    """``respond(status, body, headers, content_type=...)``: a hand-made Response."""
    return build_response
