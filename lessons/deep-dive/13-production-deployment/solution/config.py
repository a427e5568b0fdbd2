"""Configuration classes, one per environment; ``create_app`` picks one by name.

Values that must not live in the code (the production secret, the database URL) are read
from the environment when the app is created, never when this module is imported.
"""

import os


def database_url(url):
    """A SQLAlchemy URL for ``url``: hosting services hand out ``postgres://`` or
    ``postgresql://`` URLs, which SQLAlchemy would open with psycopg 2; this app uses
    psycopg 3 (``postgresql+psycopg://``)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


class Config:
    """What every environment shares."""

    SECRET_KEY = "dev-only-not-a-secret-change-me-in-production"  # 32 bytes or more: HS256
    SQLALCHEMY_DATABASE_URI = "sqlite:///blog.db"  # relative: in the instance folder
    DB_QUERY_HEADER = False  # X-DB-Queries on every response (development and testing)
    POSTS_PER_PAGE = 10
    MAX_CONTENT_LENGTH = 4 * 1024 * 1024  # a bigger request body is refused with 413
    # The session cookie: never readable from JavaScript, and not sent along with a POST
    # that another site starts (HttpOnly is Flask's default; SameSite is not).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PROXY_HOPS = 0  # no proxy in front: X-Forwarded-* headers are not trusted
    LOG_LEVEL = "INFO"  # LOG_LEVEL in the environment wins
    SLOW_DRILL = False  # ENABLE_SLOW_DRILL=1 adds GET /drill/slow (graceful-shutdown drills)

    @classmethod
    def init_app(cls, app):
        """Finish the configuration of ``app`` from the environment: ``DATABASE_URL``, when
        it is set, selects the database."""
        if url := os.environ.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = database_url(url)
        # The API's tokens are signed with their own key (else the session's secret key).
        app.config["JWT_SECRET_KEY"] = os.environ.get("JWT_SECRET_KEY") or app.config["SECRET_KEY"]
        app.config["LOG_LEVEL"] = os.environ.get("LOG_LEVEL", app.config["LOG_LEVEL"]).upper()
        app.config["SLOW_DRILL"] = os.environ.get("ENABLE_SLOW_DRILL") == "1"


class DevelopmentConfig(Config):
    """Your own machine: `flask --app app run --debug`, on instance/blog.db by default."""

    DB_QUERY_HEADER = True


class TestingConfig(Config):
    """The tests: exceptions reach the test instead of becoming 500 pages."""

    TESTING = True
    SQLALCHEMY_DATABASE_URI = "sqlite://"  # in memory, unless DATABASE_URL says otherwise
    DB_QUERY_HEADER = True
    WTF_CSRF_ENABLED = False  # your own tests post forms without a token; nowhere else


class MissingSetting(RuntimeError):
    """A setting production reads from the environment is not there: the app must not start."""

    def __init__(self, name):
        super().__init__(
            f"{name} is not set: in production the app reads it from the environment "
            "variable of that name, and has no default"
        )
        self.name = name


class ProductionConfig(Config):
    """A real deployment behind nginx: everything secret or site-specific comes from the
    environment (twelve-factor), and the app refuses to start without it."""

    SECRET_KEY = None
    SQLALCHEMY_DATABASE_URI = None
    PREFERRED_URL_SCHEME = "https"  # url_for(..., _external=True) outside a request
    SESSION_COOKIE_SECURE = True  # the cookie is only ever sent over HTTPS
    REMEMBER_COOKIE_SECURE = True
    PROXY_HOPS = 1  # exactly one proxy (nginx) in front of gunicorn: trust one hop
    REQUIRED = ("SECRET_KEY", "DATABASE_URL")

    @classmethod
    def init_app(cls, app):
        for name in cls.REQUIRED:
            if not os.environ.get(name, "").strip():
                raise MissingSetting(name)
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
        super().init_app(app)


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
