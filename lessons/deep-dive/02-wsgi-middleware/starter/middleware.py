"""Four WSGI middleware (your starter).

A middleware is a WSGI application that wraps another one: it is created with the app it
wraps, `Middleware(app)`, and the server calls it with (environ, start_response). Each of
these four only passes the request on for now. Fill in the TODOs; the README has the
contract and hints. Each class must work around any WSGI app, not only hello_app.
"""


class LoggingMiddleware:
    """Print one line per request to standard error, once its body has been sent:

    [2025-01-31 14:05:09] GET /hello/Alice 200 OK (3.2ms)
    """

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        # TODO: note the time; wrap start_response to remember the status; call the app;
        #   return its body wrapped in an object whose __iter__ passes the pieces through
        #   and whose close() calls the body's own close() and then prints the line
        #   (print(..., file=sys.stderr, flush=True)). Log in close(), not before: a
        #   streamed body is still being sent when the app returns.
        return self.app(environ, start_response)


class TimingMiddleware:
    """Add an X-Response-Time header such as "3.2ms": milliseconds from the request's
    arrival here until the app called start_response."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        # TODO: note time.perf_counter(); pass the app a start_response of your own that
        #   appends ("X-Response-Time", f"{elapsed:.1f}ms") to the headers (a str, like
        #   every header value) and calls the real start_response.
        return self.app(environ, start_response)


class ErrorMiddleware:
    """Turn an exception raised by the app into a 500 page, and log its traceback."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        # TODO: call the app inside try/except Exception. On an exception: print the
        #   traceback to standard error (traceback.print_exc()), start_response
        #   "500 Internal Server Error" with an HTML page holding
        #   <h1>Something went wrong!</h1>, and return that page. Pass sys.exc_info() as
        #   start_response's third argument only if the app had already called it.
        return self.app(environ, start_response)


class AuthMiddleware:
    """Guard /secret with a bearer token: ``Authorization: Bearer <SECRET_TOKEN>``."""

    def __init__(self, app) -> None:
        self.app = app
        # TODO: read the token from the SECRET_TOKEN environment variable (os.environ).

    def __call__(self, environ, start_response):
        # TODO: for the path /secret, check environ.get("HTTP_AUTHORIZATION"): it must be
        #   "Bearer <token>" with exactly the token (compare with hmac.compare_digest).
        #   Otherwise answer 401 with a WWW-Authenticate: Bearer header and an HTML page,
        #   without calling the app. No token configured: nobody gets in.
        return self.app(environ, start_response)
