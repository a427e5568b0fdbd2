"""Fan-out of the a06 chat solution: 1 sender, 20 receivers in one room.

Measured twice in one run: every client on one server process, and the receivers split over
two processes that share the room through Redis (SOCKETIO_MESSAGE_QUEUE, a channel of this
run's own). Prints messages per second (sent and delivered to every receiver), delivery
latency (median and p99, from the send to each receiver's arrival) and how many deliveries
were lost. Figures only: nothing here passes or fails.

    .venv/bin/python bench/chat_fanout.py [--messages 5000] [--receivers 20]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mission_control import dev  # noqa: E402
from mission_control.catalog import load_catalog  # noqa: E402


class Receiver:
    """A client that counts chat messages and keeps each one's latency."""

    def __init__(self, url: str, room: str, name: str, expected: int) -> None:
        import socketio

        self.latencies: list[float] = []
        self.expected = expected
        self.done = threading.Event()
        self.sio = socketio.Client(reconnection=False, handle_sigint=False)
        self.sio.on("chat_message", self._message)
        joined = threading.Event()
        self.sio.on("system", lambda data: joined.set())
        self.sio.connect(url, transports=["polling", "websocket"], wait_timeout=10)
        self.sio.emit("join", {"client_id": name, "room": room})
        joined.wait(10)

    def _message(self, data: dict) -> None:
        self.latencies.append(time.perf_counter() - float(data["text"].split()[1]))
        if len(self.latencies) >= self.expected:
            self.done.set()


def run(urls: list[str], messages: int, receivers: int) -> dict[str, float]:
    import socketio

    room = f"bench-{uuid.uuid4().hex[:8]}"
    listening = [Receiver(urls[i % len(urls)], room, f"r{i}", messages) for i in range(receivers)]
    sender = socketio.Client(reconnection=False, handle_sigint=False)
    sender.connect(urls[0], transports=["polling", "websocket"], wait_timeout=10)
    sender.emit("join", {"client_id": "sender", "room": room})
    time.sleep(1.0)  # every join announced, queues settled
    started = time.perf_counter()
    for number in range(messages):
        sender.emit("chat_message", {"text": f"{number} {time.perf_counter()}"})
    sent = time.perf_counter() - started
    deadline = time.perf_counter() + 120
    for receiver in listening:
        receiver.done.wait(max(0.0, deadline - time.perf_counter()))
    delivered = time.perf_counter() - started
    latencies = sorted(x for r in listening for x in r.latencies)
    lost = messages * receivers - len(latencies)
    for client in [sender, *(r.sio for r in listening)]:
        with contextlib.suppress(Exception):
            client.disconnect()
    return {
        "sent/s": messages / sent,
        "delivered/s": len(latencies) / delivered,
        "median ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p99 ms": latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else float("nan"),
        "lost": lost,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--receivers", type=int, default=20)
    args = parser.parse_args()
    lesson = load_catalog(ROOT).get("a06")
    with tempfile.TemporaryDirectory() as tmp:
        folder = dev.app_folder(lesson, lesson.solution, Path(tmp) / "app")
        print(f"{args.messages} messages, 1 sender, {args.receivers} receivers, one room")
        with dev.running_server(lesson.run, folder) as url:
            report("one process", run([url], args.messages, args.receivers))
        env = {
            "SOCKETIO_MESSAGE_QUEUE": "redis://127.0.0.1:6379/0",
            "SOCKETIO_CHANNEL": f"bench-{uuid.uuid4().hex}",
        }
        with (
            dev.running_server(lesson.run, folder, env) as one,
            dev.running_server(lesson.run, folder, env) as two,
        ):
            report("two processes, Redis", run([one, two], args.messages, args.receivers))


def report(label: str, figures: dict[str, float]) -> None:
    shown = ", ".join(f"{name} {value:,.1f}" for name, value in figures.items())
    print(f"{label:>22}: {shown}", flush=True)


if __name__ == "__main__":
    main()
