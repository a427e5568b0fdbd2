"""Lesson d03 · Werkzeug without Flask (your starter).

Lesson d01's app again, on Werkzeug. MissionApp is shaped like Flask's own class:
__call__ hands over to wsgi_app, which turns environ into a Request, asks dispatch for a
Response, and lets that Response answer the server. Fill in the TODOs until
`mission check d03` is all green; the README has the contract. Run it with `python app.py`.
"""

import os

from werkzeug.routing import Map, Rule
from werkzeug.serving import run_simple
from werkzeug.wrappers import Request, Response


class MissionApp:
    """A WSGI application built from Werkzeug's parts, the way Flask is."""

    def __init__(self) -> None:
        # TODO: one Rule per route of the contract, each with an endpoint name and
        #   methods=["GET"] (or ["POST"]): a Rule without methods accepts every method.
        #   Converters check and convert: "/files/<path:name>",
        #   "/countdown/<int(min=1, max=100):start>".
        self.url_map = Map([Rule("/", endpoint="index", methods=["GET"])])
        # TODO: endpoint name -> view, for every Rule.
        self.views = {"index": self.index}

    # -- the views: (request, urls, **values from the URL) -> Response ------------------

    def index(self, request: Request, urls) -> Response:
        # TODO: a page (Response(html, mimetype="text/html")) holding
        #   <h1>Welcome to My WSGI App!</h1> and links built with urls.build("hello",
        #   {"name": "World"}) and urls.build("visits").
        return Response("Not implemented yet", status=501, mimetype="text/plain")

    # TODO: hello, greet, submit, api_hello, old, visits, files, countdown.

    # -- the machinery: what Flask does between the server and your view -----------------

    def dispatch(self, request: Request) -> Response:
        # TODO: urls = self.url_map.bind_to_environ(request.environ); then, inside
        #   try/except HTTPException, endpoint, values = urls.match() and
        #   return self.views[endpoint](request, urls, **values). An HTTPException is
        #   answered with error.get_response(request.environ) (JSON under /api/).
        return Response("Not implemented yet: see the TODOs in app.py", status=501)

    def wsgi_app(self, environ, start_response):
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)  # a Response is a WSGI app too

    def __call__(self, environ, start_response):
        """What the server calls. Like Flask.__call__, it only hands over to wsgi_app."""
        return self.wsgi_app(environ, start_response)


app = MissionApp()


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8000"))
    # The reloader restarts the server when a file changes. Never add use_debugger=True on
    # a server others can reach: its console runs any Python code a visitor types.
    run_simple("127.0.0.1", port, app, use_reloader=True)
