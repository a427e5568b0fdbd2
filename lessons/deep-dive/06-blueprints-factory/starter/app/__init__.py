"""The blog. Today it is one module-level app, the way a small Flask app starts; this
lesson turns it into an application factory (see the README)."""

from flask import Flask

# TODO: no app at module level: importing the package must build nothing.
app = Flask(__name__)


def create_app(config_name=None):
    """Build and return a configured app.

    The config name comes from the argument, else the ``APP_CONFIG`` environment variable,
    else ``development``.
    """
    # TODO: pick the config class by name (ValueError listing the valid names when it is
    # unknown), build a new Flask app, load the config, call its init_app, register the
    # blueprints main and auth (auth under /auth), and return the app.
    return app
