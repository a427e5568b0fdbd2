"""Lesson a05 · Weather Dashboard (your starter).

Fill in every TODO until `mission check a05` is all green. The lesson's README.md has the
contract each route must keep. Run the app against the fake weather service:

    python fake_open_meteo.py                                          # terminal 1
    WEATHER_API_URL=http://127.0.0.1:8001/v1/forecast python app.py    # terminal 2
"""

import os
import threading

from flask import Flask, jsonify

# TODO: import what the TODOs below need: math, time, requests, and Flask's
#   render_template and request.

app = Flask(__name__)

WEATHER_API_URL = os.environ.get("WEATHER_API_URL", "https://api.open-meteo.com/v1/forecast")
WEATHER_API_TIMEOUT = float(os.environ.get("WEATHER_API_TIMEOUT", "5"))  # seconds
WEATHER_CACHE_TTL = float(os.environ.get("WEATHER_CACHE_TTL", "900"))  # seconds
# The variables we ask Open-Meteo for, in its `current=` parameter.
CURRENT = "temperature_2m,relative_humidity_2m,wind_speed_10m,weather_code"
CITY_MAX = 100

# Several requests may read and fill the cache at once: the lock keeps it consistent.
cache_lock = threading.Lock()
cache: dict[tuple[float, float], tuple[float, dict]] = {}  # cell -> (fetched at, current)


class WeatherError(Exception):
    """Why there is no weather to show: an HTTP status (400, 502, 504) and a message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def not_implemented(what: str):
    """What every route answers until you write it."""
    return jsonify(error=f"Not implemented yet: {what}"), 501


def parse_place(args) -> tuple[str, float, float]:
    """(city_name, lat, lon) from the query string, or raise WeatherError(400, ...)."""
    # TODO: city_name is optional ("" when missing) and at most CITY_MAX characters.
    #   lat and lon are required numbers written with 0-9: re.fullmatch them with
    #   r"[+-]?[0-9]+(\.[0-9]+)?" (float() alone takes "٣", "1_0", "nan"...), convert with
    #   float(), then refuse infinity (math.isfinite) and anything outside -90..90 / -180..180.
    raise WeatherError(501, "Not implemented yet: parse_place")


def fetch_current(lat: float, lon: float) -> dict:
    """The "current" object from the weather service, or raise WeatherError(502 or 504)."""
    # TODO: requests.get(WEATHER_API_URL, params={"latitude": ..., "longitude": ...,
    #   "current": CURRENT}, timeout=WEATHER_API_TIMEOUT), then raise_for_status() and
    #   .json(). requests.Timeout -> 504; any other requests.RequestException -> 502;
    #   a JSON answer without a "current" object -> 502.
    raise WeatherError(501, "Not implemented yet: fetch_current")


def get_weather(lat: float, lon: float) -> tuple[dict, bool, float]:
    """(current weather, whether it came from the cache, its age in seconds)."""
    # TODO: the key is (round(lat, 1), round(lon, 1)). An entry younger than
    #   WEATHER_CACHE_TTL (compare time.monotonic() values) answers with cached=True.
    #   Otherwise call fetch_current and store (time.monotonic(), current) only if it
    #   succeeded. Hold cache_lock while you read or write the dict, not during the call.
    raise WeatherError(501, "Not implemented yet: get_weather")


@app.get("/weather")
def weather():
    # TODO: parse_place(request.args) and get_weather(...); answer
    #   {"city_name", "latitude", "longitude", "current_weather", "cached"}, or
    #   jsonify(error=error.message), error.status for a WeatherError.
    return not_implemented("GET /weather")


@app.get("/")
def dashboard():
    # TODO: render templates/dashboard.html with the form; when the query has lat or lon,
    #   also the weather (or the error message, with its status: render_template(...), 400).
    return not_implemented("GET /")


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
