"""Flask extensions, created here without an app and bound to each app in ``create_app``
with ``init_app``: so importing them builds nothing, and every app gets its own state.

d07 added the database (``db``) and its migrations (``migrate``); d08 adds
``login_manager`` (who is logged in) and ``csrf`` (a token in every POST form).
"""

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    # Named constraints, so that migrations can drop and change them on every database.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True)  # ALTERs that SQLite can do too
login_manager = LoginManager()
login_manager.login_view = "auth.login"  # where @login_required sends an anonymous visitor
login_manager.login_message = "Please log in to see that page."
csrf = CSRFProtect()
