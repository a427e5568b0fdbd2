"""a10 · Secure Document Vault: --url works as the README says, and the lesson's tools stay
honest. (The insecure vaults the attack suite rejects are in the lesson's variants/, run by
tests/test_variants.py.)
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys

import pytest
from helpers import CATALOG, ROOT, mission, running_server

LESSON = CATALOG.get("a10")
#: The checkpoints that run a command in the app's folder (skipped with --url).
COMMANDS = {"passwords-argon2id", "short-key-refused", "default-key-warns"}

pytestmark = pytest.mark.skipif(LESSON is None, reason="lesson a10 is not in the catalog")


# -- mission check --url -------------------------------------------------------------------


@pytest.mark.slow
def test_url_check_with_the_documented_key_passes_twice(app_copy) -> None:
    """Against one server started as the README says, two checks in a row pass everything
    except the checkpoints that need the app's folder."""
    folder = app_copy(LESSON.solution)
    with running_server(LESSON.run, folder, LESSON.check_env) as url:
        for _ in range(2):
            statuses = mission("check", "a10", "--url", url, "--json").statuses()
            assert {cid for cid, s in statuses.items() if s != "passed"} == COMMANDS, statuses
            assert all(statuses[cid] == "skipped" for cid in COMMANDS), statuses


@pytest.mark.slow
def test_url_check_with_another_key_says_which_key_to_use(app_copy) -> None:
    folder = app_copy(LESSON.solution)
    env = {"JWT_SECRET_KEY": "a-key-the-checker-cannot-know-0123456789"}
    with running_server(LESSON.run, folder, env) as url:
        run = mission("check", "a10", "--url", url, "--json")
    statuses = run.statuses()
    assert "failed" not in statuses.values(), statuses
    result = next(r for r in run.report["results"] if r["id"] == "signed-with-jwt-secret-key")
    assert result["status"] == "skipped", result
    assert f"JWT_SECRET_KEY={checkpoint_key()}" in result["message"], result["message"]
    for checkpoint_id in ("attack-expired", "attack-no-exp", "scope-from-token"):
        assert statuses[checkpoint_id] == "skipped", statuses
    for checkpoint_id in ("attack-alg-none", "attack-wrong-key", "attack-tampered-payload"):
        assert statuses[checkpoint_id] == "passed", statuses


# -- the key, the forge tool and the bench -------------------------------------------------


def checkpoint_key() -> str:
    """CHECK_KEY as the checkpoints define it."""
    tree = ast.parse((LESSON.checkpoints / "test_vault.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "CHECK_KEY":
            return ast.literal_eval(node.value)
    raise AssertionError("test_vault.py defines no CHECK_KEY")


def test_checkpoints_and_readme_use_the_key_lesson_toml_sets() -> None:
    key = LESSON.check_env["JWT_SECRET_KEY"]
    assert len(key.encode()) >= 32
    assert checkpoint_key() == key
    readme = LESSON.readme.read_text(encoding="utf-8")
    assert f"JWT_SECRET_KEY={key} python app.py" in readme


def test_forge_token_is_provided_once() -> None:
    """The learner's forge_token.py (copied by `mission start`) is the checker's: one copy."""
    assert (LESSON.provided / "forge_token.py").is_file()
    assert not (LESSON.starter / "forge_token.py").exists()
    assert not (LESSON.solution / "forge_token.py").exists()


def test_forge_token_uses_the_standard_library_only() -> None:
    source = (LESSON.provided / "forge_token.py").read_text(encoding="utf-8")
    imported = set(re.findall(r"^(?:import|from) ([\w]+)", source, re.M))
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported


@pytest.mark.slow
def test_login_cost_bench_prints_its_figures() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "login_cost.py"), "--rounds", "3"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"POST /token.*\d+\.\d ms", done.stdout), done.stdout
    assert re.search(r"Argon2id hash.*\d+\.\d ms", done.stdout), done.stdout
    assert re.search(r"\d+(\.\d)? %", done.stdout), done.stdout
