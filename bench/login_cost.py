"""What one login to the a10 vault costs, and how much of it is the Argon2id hash.

Runs in one process: the median time of `POST /token` through Flask's test client on the
lesson's solution app, next to the median of one bare Argon2id hash with exactly the
parameters of the stored hashes, and the share of the login that hash takes. Figures only:
there is nothing to pass or fail, and the numbers depend on the machine.

    python bench/login_cost.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

SOLUTION = (
    Path(__file__).resolve().parents[1]
    / "lessons"
    / "assignments"
    / "10-secure-document-vault"
    / "solution"
)
CREDENTIALS = {"username": "alice", "password": "alice123"}


def medians_ms(actions: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """The median time of each action in milliseconds. The actions take turns, round by
    round, so a machine that gets busier or quieter during the run affects them alike."""
    for action in actions.values():
        action()  # warm-up: first calls pay for imports and caches
    times: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(rounds):
        for name, action in actions.items():
            started = time.perf_counter()
            action()
            times[name].append((time.perf_counter() - started) * 1000)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30, help="timed calls of each (30)")
    rounds = max(1, parser.parse_args().rounds)

    # The solution refuses to start without a long enough key; any will do for timing.
    os.environ.setdefault("JWT_SECRET_KEY", "bench-login-cost-" + "k" * 32)
    sys.path.insert(0, str(SOLUTION))
    import app as vault  # the lesson's solution, as a learner would run it
    from argon2 import PasswordHasher, extract_parameters

    client = vault.app.test_client()

    def login() -> None:
        response = client.post("/token", json=CREDENTIALS)
        if response.status_code != 200:  # a broken login would time the wrong thing
            raise SystemExit(f"POST /token answered {response.status}: {response.get_data()!r}")

    # The parameters of alice's stored hash, so the bare hash does the same work.
    parameters = extract_parameters(vault.USERS["alice"]["password_hash"])
    hasher = PasswordHasher.from_parameters(parameters)

    medians = medians_ms(
        {"login": login, "hash": lambda: hasher.hash(CREDENTIALS["password"])}, rounds
    )
    login_ms, hash_ms = medians["login"], medians["hash"]

    print(f"a10 login cost, median of {rounds} rounds each, in one process, taking turns")
    print(f"  POST /token (Flask test client, solution app)  {login_ms:8.1f} ms")
    print(
        f"  one bare Argon2id hash (m={parameters.memory_cost} KiB, t={parameters.time_cost}, "
        f"p={parameters.parallelism})  {hash_ms:8.1f} ms"
    )
    print(f"  share of the login spent in the hash           {100 * hash_ms / login_ms:8.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
