"""Flask extensions, created here without an app and bound to each app in ``create_app``
with ``init_app``: so importing them builds nothing, and every app gets its own state.

d07 adds the database (``db``) and its migrations (``migrate``); d08 adds
``login_manager``, d09 ``csrf``.
"""

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

# TODO: a DeclarativeBase with a MetaData naming convention (see the README), passed as
# SQLAlchemy(model_class=Base), so that migrations can name constraints.
db = SQLAlchemy()
migrate = Migrate(render_as_batch=True)  # ALTERs that SQLite can do too
