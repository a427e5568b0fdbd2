"""Configuration classes, one per environment; ``create_app`` picks one by name.

Values that must not live in the code (the production secret, the production database)
are read from the environment when the app is created, never when this module is imported.
"""

import os


class Config:
    """What every environment shares."""

    SECRET_KEY = "dev-only-not-a-secret"

    @classmethod
    def init_app(cls, app):
        """Finish the configuration of ``app`` from the environment (nothing by default)."""


class DevelopmentConfig(Config):
    """Your own machine: `flask --app app run --debug`."""


class TestingConfig(Config):
    """The tests: exceptions reach the test instead of becoming 500 pages."""

    TESTING = True


class ProductionConfig(Config):
    """A real deployment: the secret key and the database come from the environment."""

    SECRET_KEY = None

    @classmethod
    def init_app(cls, app):
        secret_key = os.environ.get("SECRET_KEY")
        if not secret_key:
            raise RuntimeError(
                "SECRET_KEY is not set: production needs a secret key of its own in the "
                "SECRET_KEY environment variable (there is no default in production)"
            )
        app.config["SECRET_KEY"] = secret_key
        app.config["DATABASE_URL"] = os.environ.get("DATABASE_URL")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
