"""Configuration classes, one per environment; ``create_app`` picks one by name.

Values that must not live in the code (the production secret, the production database)
are read from the environment when the app is created, never when this module is imported.
"""


class Config:
    """What every environment shares."""

    SECRET_KEY = "dev-only-not-a-secret"

    @classmethod
    def init_app(cls, app):
        """Finish the configuration of ``app`` from the environment (nothing by default)."""


# TODO: DevelopmentConfig and TestingConfig (TESTING = True), both from Config.

# TODO: ProductionConfig: no SECRET_KEY of its own. Its init_app reads SECRET_KEY (and
# DATABASE_URL) from os.environ, and raises an error that names SECRET_KEY when it is unset.

# TODO: CONFIGS = {"development": ..., "testing": ..., "production": ...}
