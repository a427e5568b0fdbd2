"""Checkpoints for a05 · Weather Dashboard.

The checker starts the lesson's fake Open-Meteo server (fake_open_meteo.py) and gives your
app its address in WEATHER_API_URL; it counts the requests that reach the fake and flips its
switches (an error status, a slow answer, a dropped connection) to see what your app does.
Every checkpoint uses its own 0.1° grid cells, picked at random, so cached answers from one
never show up in another, and the checks pass in any order and against a running server.
"""

import contextlib
import math
import random
import re
import time
import uuid
from urllib.parse import parse_qs

from mission_control.check import (
    HtmlPage,
    checkpoint,
    expect,
    expect_equal,
    fail,
    html_page,
    same_path,
)

API = "WEATHER_API_URL"
SHOWN = ("temperature_2m", "wind_speed_10m")  # the variables every answer must hold
EXPIRY_WAIT = 20.0  # seconds to wait for a cache entry to expire, at most

CALL_HINT = (
    "In fetch_current, call requests.get(WEATHER_API_URL, params={'latitude': ..., "
    "'longitude': ..., 'current': 'temperature_2m,wind_speed_10m,...'}, "
    "timeout=WEATHER_API_TIMEOUT), then raise_for_status(), and answer with the 'current' "
    "object of its JSON as current_weather."
)
CACHE_HINT = (
    "Keep a dict from (round(lat, 1), round(lon, 1)) to (time.monotonic(), current weather); "
    "when the entry is younger than WEATHER_CACHE_TTL seconds, answer from it with "
    '"cached": true and do not call the weather service.'
)
ERROR_HINT = (
    "Wrap the call in try/except: requests.Timeout -> 504, any other "
    "requests.RequestException (refused, dropped, raise_for_status(), a body that is not "
    'JSON) -> 502, and JSON without a "current" object -> 502; answer '
    "jsonify(error=...) with that status."
)
PAGE_HINT = (
    "Render templates/dashboard.html with render_template(...): a <form> with an <input> "
    "for city_name, lat and lon, each with a <label for=...> that names the input's id."
)

_dice = random.SystemRandom()


def new_place() -> tuple[float, float]:
    """A point inside a random 0.1° cell, 0.02° from its corner: round(x, 1) is the cell."""
    return _dice.randint(-800, 800) / 10 + 0.02, _dice.randint(-1700, 1700) / 10 + 0.02


def query(lat: float, lon: float, city: str | None = None) -> dict:
    place = {"lat": f"{lat:.2f}", "lon": f"{lon:.2f}"}
    return place if city is None else {"city_name": city, **place}


def city() -> str:
    return f"Testville {uuid.uuid4().hex[:6]}"


def calls_for(upstream, lat: float, lon: float) -> int:
    """How many requests for the cell of (lat, lon) reached the fake weather service."""
    cell = (round(lat, 1), round(lon, 1))
    count = 0
    for made in list(upstream.requests):
        asked = parse_qs(made.query)
        try:
            place = (round(float(asked["latitude"][0]), 1), round(float(asked["longitude"][0]), 1))
        except (KeyError, ValueError):
            continue
        count += place == cell
    return count


@contextlib.contextmanager
def misbehaving(upstream, trouble: str, *args, **kwargs):
    """The fake weather service in trouble (fail, slow, hang_up, ...) for a while."""
    getattr(upstream.app, trouble)(*args, **kwargs)
    try:
        yield
    finally:
        upstream.app.reset()


def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def expect_weather(r, upstream, lat, lon, name, *, cached):
    """Fail unless ``r`` is the /weather answer for (lat, lon) and ``name``."""
    r.expect_status(200, hint=CALL_HINT)
    body = r.expect_json(dict, hint=CALL_HINT)
    expect_equal(body.get("city_name"), name, '"city_name"', response=r)
    for key, wanted in (("latitude", lat), ("longitude", lon)):
        value = body.get(key)
        expect(
            is_number(value) and math.isclose(value, wanted, abs_tol=1e-9),
            f'"{key}" to be the number from the query, {wanted:.2f}',
            repr(value),
            response=r,
        )
    current = body.get("current_weather")
    expect(
        isinstance(current, dict),
        '"current_weather" to be the "current" object of the weather service\'s answer',
        repr(current),
        hint=CALL_HINT,
        response=r,
    )
    truth = upstream.app.weather_at(lat, lon)
    for key in SHOWN:
        expect_equal(
            current.get(key),
            truth[key],
            f'current_weather["{key}"] (what the weather service said)',
            hint=CALL_HINT,
            response=r,
        )
    expect_equal(
        body.get("cached"),
        cached,
        '"cached"',
        hint=CACHE_HINT if cached else "A place asked for the first time is not in the cache.",
        response=r,
    )
    return body


@checkpoint("weather-json", hint=CALL_HINT)
def test_weather_json(client, fakes):
    """GET /weather asks the weather service once and answers 200 with the city, the
    coordinates, the current weather and "cached": false"""
    upstream = fakes[API]
    lat, lon = new_place()
    name = city()
    r = client.get("/weather", query=query(lat, lon, name))
    expect_weather(r, upstream, lat, lon, name, cached=False)
    expect_equal(
        calls_for(upstream, lat, lon),
        1,
        f"the number of requests for latitude {lat:.2f}, longitude {lon:.2f} that reached "
        "the weather service",
        hint=CALL_HINT,
        response=r,
    )


@checkpoint(
    "weather-validates",
    hint="Read lat and lon with request.args.get, convert with float() inside try/except "
    "ValueError, and refuse NaN and infinity with math.isfinite before you compare them "
    "with -90..90 and -180..180: NaN is never < or > anything.",
)
def test_weather_validates(client):
    """GET /weather answers 400 with a JSON error when lat or lon is missing, not a number
    or out of range, or city_name is longer than 100 characters"""
    good = {"city_name": "London", "lat": "51.5", "lon": "-0.12"}
    for changes in (
        {"lat": None},
        {"lon": None},
        {"lat": None, "lon": None},
        {"lat": ""},
        {"lat": "north"},
        {"lon": "12,5"},
        {"lat": "nan"},
        {"lon": "NaN"},
        {"lat": "inf"},
        {"lon": "-infinity"},
        {"lat": "90.01"},
        {"lat": "-91"},
        {"lon": "180.5"},
        {"lon": "-181"},
        {"city_name": "x" * 101},
    ):
        asked = {key: value for key, value in (good | changes).items() if value is not None}
        client.get("/weather", query=asked).expect_error(400)
    # float() takes all of these, but none is a number written with 0-9 (or it overflows)
    for lat, what in (
        ("٥١.٥", "51.5 in Arabic-Indic digits"),
        ("５１.５", "51.5 in full-width digits"),
        ("5_1", "51 with an underscore"),
        ("5.15e1", "51.5 with an exponent"),
        ("1e999", "a number float() reads as infinity"),
        ("1" * 400, "a 400-digit number, infinity to float()"),
    ):
        r = client.get("/weather", query={**good, "lat": lat})
        if r.status_code != 400:
            fail(
                f"expected 400 Bad Request for lat={lat[:12]}{'...' if len(lat) > 12 else ''} "
                f"({what}), not {r.status_line}",
                hint="float() also reads other scripts' digits, '1_0' and '1e1': match the "
                r"text with re.fullmatch(r'[+-]?[0-9]+(\.[0-9]+)?', raw) first, then convert "
                "it and keep the math.isfinite and range checks.",
                response=r,
            )
        r.expect_error(400)


@checkpoint(
    "weather-accepts-edges",
    requires="weather-json",
    hint="The ranges include their ends: -90 <= lat <= 90 and -180 <= lon <= 180. "
    "city_name is optional (an empty string when it is missing).",
)
def test_weather_accepts_edges(client, fakes):
    """GET /weather accepts the ends of the ranges (latitude ±90, longitude ±180), whole
    numbers, and a missing city_name"""
    for lat, lon in (("90", "180"), ("-90", "-180"), ("0", "0")):
        r = client.get("/weather", query={"city_name": "Edge", "lat": lat, "lon": lon})
        r.expect_status(200)
    r = client.get("/weather", query=query(*new_place()))
    r.expect_status(200)
    expect_equal(r.expect_json(dict).get("city_name"), "", '"city_name" when none was sent')


@checkpoint("second-request-cached", requires="weather-json", hint=CACHE_HINT)
def test_second_request_cached(client, fakes):
    """Asking again for the same place answers "cached": true with the same weather, and
    does not reach the weather service"""
    upstream = fakes[API]
    lat, lon = new_place()
    name = city()
    first = client.get("/weather", query=query(lat, lon, name))
    expect_weather(first, upstream, lat, lon, name, cached=False)
    second = client.get("/weather", query=query(lat, lon, name))
    body = expect_weather(second, upstream, lat, lon, name, cached=True)
    expect_equal(
        body["current_weather"],
        first.json["current_weather"],
        "the cached current_weather (the same as the first answer's)",
        response=second,
    )
    expect_equal(
        calls_for(upstream, lat, lon),
        1,
        "the number of requests that reached the weather service for this place (a cached "
        "answer must not call it)",
        response=second,
    )


@checkpoint(
    "cache-key-rounded",
    requires="second-request-cached",
    hint="The cache key is (round(lat, 1), round(lon, 1)), and only the weather is cached: "
    "city_name, latitude and longitude always come from the request being answered.",
)
def test_cache_key_rounded(client, fakes):
    """Nearby coordinates in the same 0.1° cell share a cache entry (answered with their own
    city and coordinates); the next cell does not"""
    upstream = fakes[API]
    lat, lon = new_place()
    r = client.get("/weather", query=query(lat, lon, "Here"))
    expect_weather(r, upstream, lat, lon, "Here", cached=False)
    near_lat, near_lon = lat + 0.01, lon + 0.01
    name = city()
    r = client.get("/weather", query=query(near_lat, near_lon, name))
    expect_weather(r, upstream, near_lat, near_lon, name, cached=True)
    expect_equal(calls_for(upstream, lat, lon), 1, "requests for this cell", response=r)

    next_lat = lat + 0.1
    r = client.get("/weather", query=query(next_lat, lon, name))
    expect_weather(r, upstream, next_lat, lon, name, cached=False)
    expect_equal(calls_for(upstream, next_lat, lon), 1, "requests for the next cell", response=r)


@checkpoint(
    "cache-expires",
    requires="second-request-cached",
    hint="Read WEATHER_CACHE_TTL from the environment (default 900) with float(...), and "
    "treat an entry as gone once time.monotonic() - fetched_at >= WEATHER_CACHE_TTL.",
)
def test_cache_expires(client, fakes):
    """A cache entry expires after WEATHER_CACHE_TTL seconds: then the weather service is
    asked again and the answer says "cached": false"""
    upstream = fakes[API]
    lat, lon = new_place()
    client.get("/weather", query=query(lat, lon)).expect_status(200, hint=CALL_HINT)
    seen_cached = False
    deadline = time.monotonic() + EXPIRY_WAIT
    while True:
        r = client.get("/weather", query=query(lat, lon))
        r.expect_status(200)
        cached = r.expect_json(dict).get("cached")
        if cached is True:
            seen_cached = True
        elif cached is False:
            break
        if time.monotonic() > deadline:
            fail(
                f"expected the cache entry to expire: the checker starts your app with "
                f"WEATHER_CACHE_TTL set to a few seconds, but after {EXPIRY_WAIT:g} s the "
                'answer still said "cached": true',
                response=r,
            )
        time.sleep(0.2)
    expect(seen_cached, '"cached": true before the entry expired', response=r, hint=CACHE_HINT)
    expect_equal(
        calls_for(upstream, lat, lon),
        2,
        "requests that reached the weather service (the first one, and one after expiry)",
        response=r,
    )


@checkpoint(
    "failure-not-cached",
    requires="weather-json",
    hint="Store an answer in the cache only after the call succeeded: when it raises, "
    "nothing is stored, so the next request asks the weather service again.",
)
def test_failure_not_cached(client, fakes):
    """When the weather service fails once, the next request for that place asks it again
    (failures are never cached)"""
    upstream = fakes[API]
    lat, lon = new_place()
    name = city()
    with misbehaving(upstream, "fail", 503, times=1):
        client.get("/weather", query=query(lat, lon, name)).expect_error(502, hint=ERROR_HINT)
    r = client.get("/weather", query=query(lat, lon, name))
    expect_weather(r, upstream, lat, lon, name, cached=False)
    expect_equal(calls_for(upstream, lat, lon), 2, "requests that reached the weather service")


@checkpoint("upstream-error-502", hint=ERROR_HINT)
def test_upstream_error_502(client, fakes):
    """When the weather service answers 500 or 503 (even with weather in the body), an HTML
    page instead of JSON, or JSON without "current", GET /weather answers 502 with a JSON
    error (never 500)"""
    upstream = fakes[API]
    for trouble, args in (
        ("fail", (500,)),
        ("fail", (503,)),
        ("stale", (500,)),
        ("garbage", ()),
        ("leave_out_current", ()),
    ):
        lat, lon = new_place()
        with misbehaving(upstream, trouble, *args):
            r = client.get("/weather", query=query(lat, lon, city()))
        r.expect_error(502)
        expect(calls_for(upstream, lat, lon) >= 1, "a request to the weather service", "none")


@checkpoint("upstream-down-502", hint=ERROR_HINT)
def test_upstream_down_502(client, fakes):
    """When the weather service drops the connection without answering, GET /weather
    answers 502 with a JSON error"""
    upstream = fakes[API]
    lat, lon = new_place()
    with misbehaving(upstream, "hang_up"):
        r = client.get("/weather", query=query(lat, lon, city()))
    r.expect_error(502)


@checkpoint(
    "upstream-timeout-504",
    hint="Pass timeout=WEATHER_API_TIMEOUT (read from the environment, default 5) to "
    "requests.get, and catch requests.Timeout before requests.RequestException: a "
    "timeout answers 504.",
)
def test_upstream_timeout_504(client, fakes):
    """When the weather service does not answer within WEATHER_API_TIMEOUT seconds,
    GET /weather answers 504 with a JSON error"""
    upstream = fakes[API]
    lat, lon = new_place()
    # The fake waits 8 s; the checker starts your app with a timeout of a second or so.
    with misbehaving(upstream, "slow", 8):
        r = client.get("/weather", query=query(lat, lon, city()))
    r.expect_error(504)


# -- the dashboard -----------------------------------------------------------------------


def expect_form(page: HtmlPage, r) -> None:
    """Fail unless the page has the dashboard's form: GET to /, three labelled inputs."""
    for form in page.forms:
        method = form["attrs"].get("method", "get").lower()
        action = form["attrs"].get("action", "")
        if method == "get" and (not action or same_path(action, "/")):
            names = {field.get("name"): field for field in form["inputs"]}
            missing = [name for name in ("city_name", "lat", "lon") if name not in names]
            expect(
                not missing,
                "inputs named city_name, lat and lon in the form",
                f"no input named {', '.join(missing)}",
                hint=PAGE_HINT,
                response=r,
            )
            for name in ("city_name", "lat", "lon"):
                expect(
                    page.labelled(names[name]),
                    f'a <label> for the "{name}" input (<label for="ID"> with the input\'s '
                    "id, or the input inside the label)",
                    "an input without one",
                    hint=PAGE_HINT,
                    response=r,
                )
            return
    fail(
        'expected a <form method="get"> whose action is / (or left out), but the page has '
        f"{len(page.forms)} form(s) and none like that",
        hint=PAGE_HINT,
        response=r,
    )


def expect_cache_state(page: HtmlPage, cached: bool, r) -> None:
    wanted = "true" if cached else "false"
    states = page.attribute_values("data-cached")
    expect(
        states and all(state == wanted for state in states),
        f'an element with data-cached="{wanted}" showing the cache state',
        f"data-cached values {states}" if states else "none",
        hint="Put the state on the element that tells it: <p data-cached=\"{{ 'true' if "
        "cached else 'false' }}\">…</p>",
        response=r,
    )


@checkpoint("dashboard-form", hint=PAGE_HINT)
def test_dashboard_form(client):
    """GET / answers 200 with an HTML page holding a GET form with labelled inputs for the
    city, the latitude and the longitude"""
    r = client.get("/")
    expect_form(html_page(r, 200), r)


@checkpoint(
    "dashboard-shows-weather",
    requires=("dashboard-form", "second-request-cached"),
    hint="When the query has lat or lon, use the same parse and cache functions as /weather "
    "and pass the place, the weather and the cache state to render_template.",
)
def test_dashboard_shows_weather(client, fakes):
    """GET /?city_name=..&lat=..&lon=.. shows the city, the temperature and the wind speed,
    and the cache state, sharing the cache with /weather"""
    upstream = fakes[API]
    lat, lon = new_place()
    name = city()
    truth = upstream.app.weather_at(lat, lon)
    r = client.get("/", query=query(lat, lon, name))
    page = html_page(r, 200)
    expect(name in page.text, f"the city name {name!r} on the page", "not there", response=r)
    for what, value in (
        ("the temperature (temperature_2m)", str(truth["temperature_2m"])),
        ("the wind speed (wind_speed_10m)", str(truth["wind_speed_10m"])),
    ):
        # The number on its own, not inside another one: 2.3 is not shown by "12.3" or "-2.3".
        shown = re.search(rf"(?<![0-9.-]){re.escape(value)}(?![0-9])", page.text)
        expect(
            shown is not None,
            f"{what} {value} on the page, as the weather service gave it",
            "not there",
            hint="Show the value itself, {{ weather.temperature_2m }}, without rounding it.",
            response=r,
        )
    expect_cache_state(page, False, r)
    expect_form(page, r)

    r = client.get("/", query=query(lat, lon, name))
    expect_cache_state(html_page(r, 200), True, r)
    r = client.get("/weather", query=query(lat, lon, name))
    r.expect_status(200)
    expect_equal(r.expect_json(dict).get("cached"), True, '"cached" at /weather', response=r)
    expect_equal(calls_for(upstream, lat, lon), 1, "requests to the weather service")


@checkpoint(
    "dashboard-escapes",
    requires="dashboard-form",
    hint="Render with render_template and a .html template, where Jinja escapes every "
    "{{ value }}; never mark what a visitor sent as |safe or build HTML with f-strings.",
)
def test_dashboard_escapes(client, fakes):
    """The dashboard escapes the city name it echoes: HTML in it is shown as text, never
    run"""
    lat, lon = new_place()
    token = uuid.uuid4().hex[:8]
    name = f'Oslo"><b id="x{token}">bold</b>'
    r = client.get("/", query=query(lat, lon, name))
    page = html_page(r, 200)
    expect(
        f"x{token}" not in page.ids,
        "the city name shown as text",
        f'a real <b id="x{token}"> element made from it: the page does not escape it',
        response=r,
    )
    expect(name in page.text, f"the city name {name!r} as text on the page", response=r)


@checkpoint(
    "dashboard-bad-input",
    requires="dashboard-form",
    hint="Catch the same validation errors as /weather and render the dashboard again with "
    "the message, and the status as the second value: render_template(...), 400.",
)
def test_dashboard_bad_input(client):
    """GET / with a missing, non-numeric or out-of-range latitude or longitude answers 400
    with the page (its form and a message), not JSON and never 500"""
    for asked in (
        {"city_name": "Nowhere", "lat": "north", "lon": "0"},
        {"city_name": "", "lat": "", "lon": ""},
        {"lat": "100", "lon": "0"},
        {"lat": "0", "lon": "nan"},
        {"lat": "0"},
    ):
        r = client.get("/", query=asked)
        expect_form(html_page(r, 400), r)


@checkpoint(
    "dashboard-upstream-error",
    requires="dashboard-form",
    hint="In dashboard, catch the error get_weather raises when the weather service fails "
    "and render the page with its message and status: render_template(..., "
    "error=error.message), error.status (502 or 504), never JSON.",
)
def test_dashboard_upstream_error(client, fakes):
    """When the weather service fails, GET / answers 502 with the page (its form and a
    message), not JSON and never 500"""
    upstream = fakes[API]
    lat, lon = new_place()
    with misbehaving(upstream, "fail", 503):
        r = client.get("/", query=query(lat, lon, city()))
    expect_form(html_page(r, 502), r)
