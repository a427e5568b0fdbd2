"""Lesson d03 · Werkzeug without Flask (reference solution).

Lesson d01's app again, on Werkzeug, the toolkit Flask is built on: Request and Response
objects instead of environ and start_response, a URL Map with converters instead of regular
expressions, HTTP exceptions instead of hand-made error pages. MissionApp is shaped like
Flask's own class: __call__ hands over to wsgi_app, which dispatches to a view by endpoint.
"""

import json
import os
from html import escape

from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.routing import Map, MapAdapter, RequestRedirect, Rule
from werkzeug.serving import run_simple
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

VISITS_COOKIE = "visits"
ONE_YEAR = 365 * 24 * 60 * 60  # seconds


def page(title: str, heading: str, body: str = "", status: int = 200) -> Response:
    """An HTML page. Every argument must already be escaped."""
    html = (
        f'<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>{title}</title>'
        f"</head>\n<body>\n<h1>{heading}</h1>\n{body}</body>\n</html>\n"
    )
    # mimetype="text/html" makes Werkzeug send "Content-Type: text/html; charset=utf-8";
    # it encodes the text as UTF-8 and sets Content-Length in bytes by itself.
    return Response(html, status=status, mimetype="text/html")


def json_response(data: object, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")


class MissionApp:
    """A WSGI application built from Werkzeug's parts, the way Flask is."""

    def __init__(self) -> None:
        # Like Flask's app.url_map: each Rule maps a URL pattern (and methods) to an
        # endpoint name; converters (<int:...>, <path:...>) check and convert the values.
        self.url_map = Map(
            [
                Rule("/", endpoint="index", methods=["GET"]),
                Rule("/hello/<name>", endpoint="hello", methods=["GET"]),
                Rule("/greet", endpoint="greet", methods=["GET"]),
                Rule("/submit", endpoint="submit", methods=["POST"]),
                Rule("/api/hello/<name>", endpoint="api_hello", methods=["GET"]),
                Rule("/old", endpoint="old", methods=["GET"]),
                Rule("/visits", endpoint="visits", methods=["GET"]),
                Rule("/files/<path:name>", endpoint="files", methods=["GET"]),
                Rule(
                    "/countdown/<int(min=1, max=100):start>", endpoint="countdown", methods=["GET"]
                ),
            ]
        )
        # Like Flask's app.view_functions: endpoint name -> the function that answers.
        self.views = {
            "index": self.index,
            "hello": self.hello,
            "greet": self.greet,
            "submit": self.submit,
            "api_hello": self.api_hello,
            "old": self.old,
            "visits": self.visits,
            "files": self.files,
            "countdown": self.countdown,
        }

    # -- the views: (request, urls, **values from the URL) -> Response ------------------

    def index(self, request: Request, urls: MapAdapter) -> Response:
        # urls.build turns an endpoint and values back into a URL (Flask's url_for);
        # values the rule does not use become the query string.
        links = [
            (urls.build("hello", {"name": "World"}), "Say hello to the World"),
            (urls.build("greet", {"name": "Bob"}), "Greet Bob with a query string"),
            (urls.build("api_hello", {"name": "Ada"}), "The same greeting as JSON"),
            (urls.build("visits"), "Count your visits (a cookie)"),
            (urls.build("files", {"name": "docs/readme.txt"}), "A path with slashes"),
            (urls.build("countdown", {"start": 10}), "Count down from 10"),
            (urls.build("old"), "An old address that moved"),
        ]
        items = "".join(f'<li><a href="{escape(url)}">{text}</a></li>\n' for url, text in links)
        return page("Welcome", "Welcome to My WSGI App!", f"<ul>\n{items}</ul>\n")

    def hello(self, request: Request, urls: MapAdapter, name: str) -> Response:
        return page("Hello", f"Hello, {escape(name)}!")

    def greet(self, request: Request, urls: MapAdapter) -> Response:
        name = request.args.get("name") or "World"
        return page("Hello", f"Hello, {escape(name)}!")

    def submit(self, request: Request, urls: MapAdapter) -> Response:
        message = request.form.get("message", "")
        if not message.strip():
            raise BadRequest("Send a form with a non-empty 'message' field.")
        return page("Submitted", f"You submitted: {escape(message)}")

    def api_hello(self, request: Request, urls: MapAdapter, name: str) -> Response:
        return json_response({"message": f"Hello, {name}!"})

    def old(self, request: Request, urls: MapAdapter) -> Response:
        # 301 Moved Permanently: browsers and search engines remember the new address.
        return redirect(urls.build("index"), code=301)

    def visits(self, request: Request, urls: MapAdapter) -> Response:
        # A cookie is whatever the client sends back: never trust it to be a number. Only
        # ASCII digits count: int() also reads " 7", "+5", "1_000" and digits of other
        # scripts ("٣"), and str.isdigit() says yes to "²", which int() refuses. Nine digits
        # at most keep the count an ordinary number.
        raw = request.cookies.get(VISITS_COOKIE, "")
        count = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else 0
        count += 1
        response = page("Visits", f"Visits: {count}")
        response.set_cookie(
            VISITS_COOKIE, str(count), max_age=ONE_YEAR, httponly=True, samesite="Lax"
        )
        return response

    def files(self, request: Request, urls: MapAdapter, name: str) -> Response:
        return page("File", f"File: {escape(name)}")

    def countdown(self, request: Request, urls: MapAdapter, start: int) -> Response:
        items = "".join(f"<li>{number}</li>\n" for number in range(start, 0, -1))
        return page(
            "Countdown", f"Countdown from {start}", f"<ol>\n{items}<li>Liftoff!</li>\n</ol>\n"
        )

    # -- the machinery: what Flask does between the server and your view -----------------

    def dispatch(self, request: Request) -> Response:
        """Match the URL to an endpoint and call its view; turn HTTP errors into answers."""
        urls = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, values = urls.match()  # raises NotFound, MethodNotAllowed...
            return self.views[endpoint](request, urls, **values)
        except RequestRedirect as redirection:  # the map's own redirects (/a//b -> /a/b)
            return redirection.get_response(request.environ)
        except HTTPException as error:
            return self.error_response(request, error)

    def error_response(self, request: Request, error: HTTPException) -> Response:
        """HTML error pages (Werkzeug's own), except under /api/, where errors are JSON."""
        if not request.path.startswith("/api/"):
            return error.get_response(request.environ)
        response = json_response({"error": error.description}, status=error.code)
        for name, value in error.get_headers(request.environ):
            if name.lower() != "content-type":
                response.headers[name] = value  # keeps Allow on a 405
        return response

    def wsgi_app(self, environ, start_response):
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)  # a Response is a WSGI app too

    def __call__(self, environ, start_response):
        """What the server calls. Like Flask.__call__, it only hands over to wsgi_app, so
        middleware can wrap app.wsgi_app and the app object stays the same."""
        return self.wsgi_app(environ, start_response)


app = MissionApp()


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8000"))
    # The reloader restarts the server when a file changes. Never add use_debugger=True on
    # a server others can reach: its console runs any Python code a visitor types.
    run_simple("127.0.0.1", port, app, use_reloader=True)
