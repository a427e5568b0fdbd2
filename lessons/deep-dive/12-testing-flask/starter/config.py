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
    # Outgoing mail (d12: the welcome mail): the SMTP server, from MAIL_SERVER/MAIL_PORT.
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_SENDER = "blog@localhost"

    @classmethod
    def init_app(cls, app):
        """Finish the configuration of ``app`` from the environment: ``DATABASE_URL``, when
        it is set, selects the database."""
        if url := os.environ.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = database_url(url)
        # The API's tokens are signed with their own key (else the session's secret key).
        app.config["JWT_SECRET_KEY"] = os.environ.get("JWT_SECRET_KEY") or app.config["SECRET_KEY"]
        for name in ("MAIL_SERVER", "MAIL_SENDER"):
            if value := os.environ.get(name):
                app.config[name] = value
        if port := os.environ.get("MAIL_PORT"):
            app.config["MAIL_PORT"] = int(port)


class DevelopmentConfig(Config):
    """Your own machine: `flask --app app run --debug`, on instance/blog.db by default."""

    DB_QUERY_HEADER = True


class TestingConfig(Config):
    """The tests: exceptions reach the test instead of becoming 500 pages."""

    TESTING = True
    SQLALCHEMY_DATABASE_URI = "sqlite://"  # in memory, unless DATABASE_URL says otherwise
    DB_QUERY_HEADER = True
    WTF_CSRF_ENABLED = False  # your own tests post forms without a token; nowhere else


class ProductionConfig(Config):
    """A real deployment: the secret key and the database come from the environment."""

    SECRET_KEY = None

    @classmethod
    def init_app(cls, app):
        for name in ("SECRET_KEY", "DATABASE_URL"):
            if not os.environ.get(name):
                raise RuntimeError(
                    f"{name} is not set: production reads it from the {name} environment "
                    "variable (there is no default in production)"
                )
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
        app.config["SESSION_COOKIE_SECURE"] = True  # HTTPS only
        app.config["REMEMBER_COOKIE_SECURE"] = True
        super().init_app(app)


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
