"""The blog in Flask: an application factory, two blueprints (the JSON API and the post
page), Flask-SQLAlchemy for the models, PyJWT for the tokens. This is d10's API cut down to
the spec every framework of d14 implements."""

import os
from pathlib import Path

import click
from flask import Flask


def create_app():
    """Build the app. The database is ``DATABASE_URL`` if set, else ``blog.sqlite3`` in
    this folder; the tokens are signed with ``JWT_SECRET_KEY``, which must be set."""
    app = Flask(__name__)
    secret = os.environ.get("JWT_SECRET_KEY")
    if not secret:
        raise RuntimeError("JWT_SECRET_KEY is not set: export a key of 32 characters or more")
    default_db = Path(__file__).resolve().parent.parent / "blog.sqlite3"
    app.config.update(
        JWT_SECRET_KEY=secret,
        SQLALCHEMY_DATABASE_URI=os.environ.get("DATABASE_URL") or f"sqlite:///{default_db}",
    )

    from app.models import db

    db.init_app(app)

    from app.api import bp as api_bp
    from app.pages import bp as pages_bp

    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(pages_bp)

    @app.cli.command("init-db")
    def init_db():
        """Create the tables (once; existing tables are kept)."""
        db.create_all()
        click.echo("Created the tables.")

    return app
