"""Lesson a05 · Weather Dashboard (reference solution).

The current weather for a place, from Open-Meteo's forecast API (or any server that
answers like it, such as fake_open_meteo.py), as JSON at /weather and as a page at /. Answers
are cached per 0.1° grid cell for WEATHER_CACHE_TTL seconds; failures are never cached.
"""

import math
import os
import re
import threading
import time

import requests
from flask import Flask, jsonify, render_template, request

app = Flask(__name__)

WEATHER_API_URL = os.environ.get("WEATHER_API_URL", "https://api.open-meteo.com/v1/forecast")
WEATHER_API_TIMEOUT = float(os.environ.get("WEATHER_API_TIMEOUT", "5"))  # seconds
WEATHER_CACHE_TTL = float(os.environ.get("WEATHER_CACHE_TTL", "900"))  # seconds
# The variables we ask Open-Meteo for, in its `current=` parameter.
CURRENT = "temperature_2m,relative_humidity_2m,wind_speed_10m,weather_code"
CITY_MAX = 100
# What the WMO weather codes in `weather_code` mean, for the page.
SKIES = {0: "Clear sky", 1: "Mainly clear", 2: "Partly cloudy", 3: "Overcast"}
SKIES |= dict.fromkeys((45, 48), "Fog") | dict.fromkeys((51, 53, 55, 56, 57), "Drizzle")
SKIES |= dict.fromkeys((61, 63, 65, 66, 67), "Rain") | dict.fromkeys((71, 73, 75, 77), "Snow")
SKIES |= dict.fromkeys((80, 81, 82), "Rain showers") | dict.fromkeys((85, 86), "Snow showers")
SKIES |= dict.fromkeys((95, 96, 99), "Thunderstorm")

# Several requests may read and fill the cache at once: the lock keeps it consistent.
cache_lock = threading.Lock()
cache: dict[tuple[float, float], tuple[float, dict]] = {}  # cell -> (fetched at, current)


# A decimal number in ASCII digits. float() alone would also take "٣٠" (Arabic-Indic digits),
# "３０" (full-width), "1_0" and "1e1": a coordinate is written as a person types it.
NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


class WeatherError(Exception):
    """Why there is no weather to show: an HTTP status (400, 502, 504) and a message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def parse_coordinate(args, name: str, limit: float) -> float:
    """The query parameter ``name`` as a number from -limit to limit, or a 400."""
    raw = args.get(name, "")
    if not raw:
        raise WeatherError(400, f"'{name}' is required.")
    if not NUMBER.fullmatch(raw):  # "nan", "inf" and "1e999" are refused here too
        raise WeatherError(400, f"'{name}' must be a number written with 0-9, like 51.5.")
    value = float(raw)
    # Hundreds of digits make float() overflow to infinity: that is out of range as well.
    if not math.isfinite(value) or not -limit <= value <= limit:
        raise WeatherError(400, f"'{name}' must be between -{limit:g} and {limit:g}.")
    return value


def parse_place(args) -> tuple[str, float, float]:
    """(city_name, lat, lon) from the query string, or a 400."""
    city = args.get("city_name", "")
    if len(city) > CITY_MAX:
        raise WeatherError(400, f"'city_name' must be at most {CITY_MAX} characters.")
    return city, parse_coordinate(args, "lat", 90), parse_coordinate(args, "lon", 180)


def fetch_current(lat: float, lon: float) -> dict:
    """Ask the weather service for the current weather at (lat, lon), or raise a 502/504."""
    try:
        answer = requests.get(
            WEATHER_API_URL,
            params={"latitude": lat, "longitude": lon, "current": CURRENT},
            timeout=WEATHER_API_TIMEOUT,  # without it, a silent server blocks us forever
        )
        answer.raise_for_status()  # 4xx and 5xx become requests.HTTPError
        data = answer.json()  # not JSON: requests.JSONDecodeError
    except requests.Timeout:
        app.logger.warning("Weather service timed out after %g s", WEATHER_API_TIMEOUT)
        raise WeatherError(504, "The weather service did not answer in time.") from None
    except requests.RequestException as error:  # refused, dropped, HTTP error, not JSON
        app.logger.warning("Weather service failed: %s", error)
        raise WeatherError(502, "The weather service is not working right now.") from None
    current = data.get("current") if isinstance(data, dict) else None
    if not isinstance(current, dict):
        raise WeatherError(502, "The weather service answered without current weather.")
    return current


def get_weather(lat: float, lon: float) -> tuple[dict, bool, float]:
    """(current weather, whether it came from the cache, its age in seconds)."""
    key = (round(lat, 1), round(lon, 1))  # one entry per 0.1° cell, about 11 km
    with cache_lock:
        entry = cache.get(key)
    if entry is not None:
        age = time.monotonic() - entry[0]
        if age < WEATHER_CACHE_TTL:
            return entry[1], True, age
    # Ask for the cell we cache, outside the lock: a slow service must not hold up
    # requests for other places. A failure raises before anything is stored.
    current = fetch_current(*key)
    with cache_lock:
        cache[key] = (time.monotonic(), current)
    return current, False, 0.0


@app.get("/weather")
def weather():
    try:
        city, lat, lon = parse_place(request.args)
        current, cached, _ = get_weather(lat, lon)
    except WeatherError as error:
        return jsonify(error=error.message), error.status
    return jsonify(
        city_name=city, latitude=lat, longitude=lon, current_weather=current, cached=cached
    )


@app.get("/")
def dashboard():
    form = request.args
    if "lat" not in form and "lon" not in form:
        return render_template("dashboard.html", form=form)
    try:
        city, lat, lon = parse_place(form)
        current, cached, age = get_weather(lat, lon)
    except WeatherError as error:
        return render_template("dashboard.html", form=form, error=error.message), error.status
    return render_template(
        "dashboard.html",
        form=form,
        place={"city_name": city, "latitude": lat, "longitude": lon},
        weather=current,
        sky=SKIES.get(current.get("weather_code"), "Unknown sky"),
        cached=cached,
        age=round(age),
        ttl=round(WEATHER_CACHE_TTL),
    )


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
