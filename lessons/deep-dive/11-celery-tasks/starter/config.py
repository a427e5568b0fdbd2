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

    # TODO (d11): these settings are given; read how the tasks use them (README).
    # Mail (d11): the SMTP server the tasks send through; a task that meets a temporary
    # failure (4xx) tries again after MAIL_RETRY_BACKOFF x 2**retries seconds.
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 8025
    MAIL_DEFAULT_SENDER = "Blog <noreply@blog.example>"
    MAIL_RETRY_BACKOFF = 30
    MAIL_SUPPRESS_SEND = False  # True: mail is recorded as sent, never sent (the tests)
    DIGEST_INTERVAL = 86400  # seconds between two runs of the digest (beat)

    # Celery (d11): where the broker and the result backend are, unless CELERY_BROKER_URL
    # and CELERY_RESULT_BACKEND say otherwise; init_app builds app.config["CELERY"].
    CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    CELERY_RESULT_BACKEND = "redis://127.0.0.1:6379/0"

    @classmethod
    def init_app(cls, app):
        """Finish the configuration of ``app`` from the environment: ``DATABASE_URL``, when
        it is set, selects the database; the CELERY_* and MAIL_* variables, Celery's broker
        and the mail server."""
        if url := os.environ.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = database_url(url)
        # The API's tokens are signed with their own key (else the session's secret key).
        app.config["JWT_SECRET_KEY"] = os.environ.get("JWT_SECRET_KEY") or app.config["SECRET_KEY"]
        for name in ("MAIL_SERVER", "MAIL_DEFAULT_SENDER"):
            app.config[name] = os.environ.get(name) or app.config[name]
        for name in ("MAIL_PORT", "MAIL_RETRY_BACKOFF", "DIGEST_INTERVAL"):
            app.config[name] = float(os.environ.get(name) or app.config[name])
        app.config["MAIL_PORT"] = int(app.config["MAIL_PORT"])
        # Read by celery_init_app: lower-case names, Celery's own settings.
        celery = {
            "broker_url": os.environ.get("CELERY_BROKER_URL") or app.config["CELERY_BROKER_URL"],
            "result_backend": os.environ.get("CELERY_RESULT_BACKEND")
            or app.config["CELERY_RESULT_BACKEND"],
            "task_ignore_result": True,  # a task whose result someone reads says so
            "task_track_started": True,  # STARTED between PENDING and SUCCESS
            "task_acks_late": True,  # a task leaves the queue once done, not once read
            "task_reject_on_worker_lost": True,  # ...and goes back if its worker dies
            "worker_prefetch_multiplier": 1,  # with acks_late: one task held per process
            "broker_connection_retry_on_startup": True,
            "beat_schedule": {
                "send-digest": {
                    "task": "app.tasks.send_digest",
                    "schedule": app.config["DIGEST_INTERVAL"],
                }
            },
        }
        app.config["CELERY"] = celery


class DevelopmentConfig(Config):
    """Your own machine: `flask --app app run --debug`, on instance/blog.db by default."""

    DB_QUERY_HEADER = True


class TestingConfig(Config):
    """The tests: exceptions reach the test instead of becoming 500 pages."""

    TESTING = True
    SQLALCHEMY_DATABASE_URI = "sqlite://"  # in memory, unless DATABASE_URL says otherwise
    DB_QUERY_HEADER = True
    WTF_CSRF_ENABLED = False  # your own tests post forms without a token; nowhere else
    MAIL_SUPPRESS_SEND = True  # no mail server in the tests

    @classmethod
    def init_app(cls, app):
        super().init_app(app)
        # Tasks run at once, in the test's own process: no broker, no worker.
        app.config["CELERY"] = {**app.config["CELERY"], "task_always_eager": True}


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
