"""A fake Open-Meteo forecast API, so lesson a05 works offline.

It answers ``GET /v1/forecast?latitude=..&longitude=..&current=temperature_2m,...`` in the
shape of Open-Meteo's forecast API, with made-up weather that stays the same for each
0.1° grid cell (so a cached answer and a fresh one agree). Run it next to your app:

    python fake_open_meteo.py                    # serves http://127.0.0.1:8001/v1/forecast
    python fake_open_meteo.py --port 8002        # another port
    python fake_open_meteo.py --fail 503         # every answer is an error 503
    python fake_open_meteo.py --slow 10          # every answer comes 10 seconds late

then, in another terminal, start the app against it:

    WEATHER_API_URL=http://127.0.0.1:8001/v1/forecast python app.py

`mission check a05` starts this same file on a free port and flips its switches (``fail``,
``stale``, ``slow``, ``hang_up``, ``garbage``, ``leave_out_current``, ``reset``) to see what
your app does when the outside world misbehaves. It needs nothing but the standard library
(and Werkzeug, which comes with Flask, to serve itself).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import socket
import threading
import zlib
from datetime import UTC, datetime
from http import HTTPStatus
from urllib.parse import parse_qs

FORECAST_PATH = "/v1/forecast"

#: The variables `current=` may ask for, with their units (a subset of Open-Meteo's).
UNITS = {
    "temperature_2m": "°C",
    "relative_humidity_2m": "%",
    "apparent_temperature": "°C",
    "is_day": "",
    "precipitation": "mm",
    "rain": "mm",
    "showers": "mm",
    "snowfall": "cm",
    "weather_code": "wmo code",
    "cloud_cover": "%",
    "pressure_msl": "hPa",
    "surface_pressure": "hPa",
    "wind_speed_10m": "km/h",
    "wind_direction_10m": "°",
    "wind_gusts_10m": "km/h",
}
WEATHER_CODES = (0, 1, 2, 3, 45, 51, 61, 63, 71, 80, 95)
# Open-Meteo knows many more variables (visibility, dew_point_2m, ...): the fake answers any
# well-formed name, with a made-up number for those not in UNITS.
VARIABLE = re.compile(r"[a-z][a-z0-9_]*")


def cell(latitude: float, longitude: float) -> tuple[int, int]:
    """The 0.1° grid cell of a place, as whole tenths of a degree."""
    return round(latitude * 10), round(longitude * 10)


def weather_at(latitude: float, longitude: float) -> dict:
    """The made-up current weather of a place: every variable in UNITS, the same values for
    the whole 0.1° cell. Temperatures and speeds always have a tenth (12.3, never 12.0)."""
    tenths = cell(latitude, longitude)
    dice = random.Random(zlib.crc32(f"{tenths[0]}:{tenths[1]}".encode()))

    def decimal(low: int, high: int) -> float:
        return round(dice.randint(low, high) + dice.randint(1, 9) / 10, 1)

    usual = round(27 - abs(tenths[0]) * 0.045)  # warm near the equator, cold near the poles
    temperature = decimal(usual - 6, usual + 5)
    wind = decimal(0, 39)
    rain = dice.choice((0.0, 0.0, 0.0, decimal(0, 4)))
    return {
        "temperature_2m": temperature,
        "relative_humidity_2m": dice.randint(20, 100),
        "apparent_temperature": round(temperature - wind / 10, 1),
        "is_day": dice.randint(0, 1),
        "precipitation": rain,
        "rain": rain,
        "showers": 0.0,
        "snowfall": 0.0,
        "weather_code": dice.choice(WEATHER_CODES),
        "cloud_cover": dice.randint(0, 100),
        "pressure_msl": decimal(985, 1035),
        "surface_pressure": decimal(950, 1030),
        "wind_speed_10m": wind,
        "wind_direction_10m": dice.randint(0, 359),
        "wind_gusts_10m": round(wind * 1.6, 1),
    }


def other_variable(name: str, tenths: tuple[int, int]) -> float:
    """A made-up value for a variable the fake has no model of (stable per cell)."""
    dice = random.Random(zlib.crc32(f"{name}:{tenths[0]}:{tenths[1]}".encode()))
    return round(dice.uniform(0, 100), 1)


class FakeOpenMeteo:
    """The WSGI app. Its switches change how it answers until ``reset()``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._trouble: str | None = None  # "fail" | "slow" | "hang_up" | "garbage" | ...
        self._times: int | None = None  # how many more answers misbehave (None: all)
        self._status = 503
        self._delay = 0.0
        self._release = threading.Event()

    # -- switches -----------------------------------------------------------------------

    def fail(self, status: int = 503, times: int | None = None) -> None:
        """Answer with HTTP ``status`` (the next ``times`` requests, or all of them)."""
        self._set("fail", times, status=status)

    def stale(self, status: int = 500, times: int | None = None) -> None:
        """Answer with HTTP ``status`` but the usual weather in the body, as a broken proxy
        that serves an old copy with its error: only the status says it is wrong."""
        self._set("stale", times, status=status)

    def slow(self, seconds: float, times: int | None = None) -> None:
        """Wait ``seconds`` before answering (``reset()`` ends the wait early)."""
        self._set("slow", times, delay=seconds)

    def hang_up(self, times: int | None = None) -> None:
        """Close the connection without answering, like a server that crashed."""
        self._set("hang_up", times)

    def garbage(self, times: int | None = None) -> None:
        """Answer 200 with an HTML page instead of JSON, like a proxy's error page."""
        self._set("garbage", times)

    def leave_out_current(self, times: int | None = None) -> None:
        """Answer 200 with JSON that has no "current" object."""
        self._set("no_current", times)

    def reset(self) -> None:
        """Behave again, and wake up any answer that is still waiting in ``slow``."""
        with self._lock:
            self._trouble, self._times = None, None
            self._release.set()
            self._release = threading.Event()

    def _set(self, trouble: str, times: int | None, *, status: int = 503, delay: float = 0):
        with self._lock:
            self._trouble, self._times = trouble, times
            self._status, self._delay = status, delay

    def _next_trouble(self) -> tuple[str | None, int, float, threading.Event]:
        with self._lock:
            trouble = self._trouble
            if trouble is not None and self._times is not None:
                self._times -= 1
                if self._times <= 0:
                    self._trouble, self._times = None, None
            return trouble, self._status, self._delay, self._release

    weather_at = staticmethod(weather_at)  # for checks: what this fake says about a place

    # -- WSGI ---------------------------------------------------------------------------

    def __call__(self, environ: dict, start_response):
        trouble, status, delay, release = self._next_trouble()
        if trouble == "slow":
            release.wait(delay)
        elif trouble == "hang_up":
            connection = environ.get("werkzeug.socket")
            if connection is not None:  # served by Werkzeug: drop the line
                connection.shutdown(socket.SHUT_RDWR)
                start_response("500 Internal Server Error", [("Content-Length", "0")])
                return [b""]
            trouble, status = "fail", 502  # another server: the closest we can do
        if trouble == "fail":
            return _json(start_response, status, {"error": True, "reason": "Fake outage."})
        if trouble == "garbage":
            page = b"<html><body><h1>Service temporarily unavailable</h1></body></html>"
            start_response("200 OK", [("Content-Type", "text/html"), _length(page)])
            return [page]
        if environ.get("PATH_INFO") != FORECAST_PATH:
            return _json(start_response, 404, {"error": True, "reason": "Not Found"})
        status_wanted = status
        status, body = forecast(parse_qs(environ.get("QUERY_STRING", "")))
        if trouble == "stale" and status == 200:
            status = status_wanted
        if trouble == "no_current" and status == 200:
            body.pop("current", None)
            body.pop("current_units", None)
        return _json(start_response, status, body)


def forecast(query: dict[str, list[str]]) -> tuple[int, dict]:
    """Open-Meteo's answer to a forecast query: (status, JSON body)."""
    try:
        latitude = float(query["latitude"][0])
        longitude = float(query["longitude"][0])
    except (KeyError, ValueError):
        return 400, {
            "error": True,
            "reason": "Parameters 'latitude' and 'longitude' must be given as decimal numbers.",
        }
    if not math.isfinite(latitude) or not -90 <= latitude <= 90:
        return 400, {
            "error": True,
            "reason": f"Latitude must be in range of -90 to 90°. Given: {latitude}.",
        }
    if not math.isfinite(longitude) or not -180 <= longitude <= 180:
        return 400, {
            "error": True,
            "reason": f"Longitude must be in range of -180 to 180°. Given: {longitude}.",
        }
    wanted = [name for value in query.get("current", []) for name in value.split(",") if name]
    malformed = [name for name in wanted if not VARIABLE.fullmatch(name)]
    if malformed:
        return 400, {"error": True, "reason": f"Unknown variable in 'current': {malformed[0]}."}

    tenths = cell(latitude, longitude)
    weather = weather_at(latitude, longitude)
    now = datetime.now(UTC)
    slot = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
    body = {
        "latitude": tenths[0] / 10,
        "longitude": tenths[1] / 10,
        "generationtime_ms": 0.05,
        "utc_offset_seconds": 0,
        "timezone": "GMT",
        "timezone_abbreviation": "GMT",
        "elevation": float(abs(tenths[0] * 7 + tenths[1] * 3) % 900),
    }
    if wanted:
        body["current_units"] = {"time": "iso8601", "interval": "seconds"} | {
            name: UNITS.get(name, "") for name in wanted
        }
        body["current"] = {"time": slot.strftime("%Y-%m-%dT%H:%M"), "interval": 900} | {
            name: weather[name] if name in weather else other_variable(name, tenths)
            for name in wanted
        }
    if query.get("current_weather", [""])[0].lower() == "true":  # the older form
        body["current_weather"] = {
            "time": slot.strftime("%Y-%m-%dT%H:%M"),
            "interval": 900,
            "temperature": weather["temperature_2m"],
            "windspeed": weather["wind_speed_10m"],
            "winddirection": weather["wind_direction_10m"],
            "is_day": weather["is_day"],
            "weathercode": weather["weather_code"],
        }
    return 200, body


def _length(body: bytes) -> tuple[str, str]:
    return "Content-Length", str(len(body))


def _json(start_response, status: int, body: dict):
    data = json.dumps(body, ensure_ascii=False).encode()
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown"
    start_response(
        f"{status} {reason}", [("Content-Type", "application/json; charset=utf-8"), _length(data)]
    )
    return [data]


app = FakeOpenMeteo()


def main() -> None:
    parser = argparse.ArgumentParser(description="A fake Open-Meteo forecast API.")
    parser.add_argument("--port", type=int, default=8001, help="default: 8001")
    parser.add_argument("--fail", type=int, metavar="STATUS", help="answer every request so")
    parser.add_argument("--slow", type=float, metavar="SECONDS", help="answer this much later")
    options = parser.parse_args()
    if options.fail:
        app.fail(options.fail)
    elif options.slow:
        app.slow(options.slow)

    from werkzeug.serving import run_simple

    url = f"http://127.0.0.1:{options.port}{FORECAST_PATH}"
    print(f"Fake Open-Meteo at {url}")
    print(f"Start your app against it with: WEATHER_API_URL={url} python app.py")
    run_simple("127.0.0.1", options.port, app, threaded=True)


if __name__ == "__main__":
    main()
