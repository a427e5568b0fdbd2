"""a09 · Inventory Management: the checkpoints reject plausible wrong inventories.

Each tests/variants/a09-*.diff turns the reference solution into one with one mistake. The test
names the checkpoint that must catch it, and checkpoints that must still pass, so the
failure is about that mistake and not about an app that does not work at all.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import CATALOG, mission, variant

WORKS = ("v2-list-page", "v1-list-array", "v2-create-item")

pytestmark = pytest.mark.skipif(CATALOG.get("a09") is None, reason="lesson a09 is not here")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "caught_by"),
    [
        ("a09-limit-type-int", "paging-validation-400"),
        ("a09-int-raises-500", "paging-validation-400"),
        ("a09-app-wide-deprecation", "v2-not-deprecated"),
        ("a09-headers-in-views", "v1-deprecation-headers"),
        ("a09-has-more-full-page", "v2-offset-and-limit"),
        ("a09-case-sensitive-category", "v2-category-any-case"),
        ("a09-bool-quantity", "v2-create-validates"),
        ("a09-v1-own-copy", "v1-matches-v2"),
        ("a09-patch-half-applied", "v2-patch-validates"),
    ],
)
def test_checkpoints_reject_variant(name: str, caught_by: str, tmp_path: Path) -> None:
    run = mission("check", "a09", "--path", str(variant(name, tmp_path)), "--json")
    statuses = run.statuses()
    assert run.returncode == 1, run.output
    assert run.report["error"] is None, run.report["error"]
    assert statuses[caught_by] == "failed", statuses
    result = next(r for r in run.report["results"] if r["id"] == caught_by)
    assert result["message"].strip() and result["hint"].strip(), result
    for checkpoint_id in WORKS:
        assert statuses[checkpoint_id] == "passed", (checkpoint_id, statuses)
