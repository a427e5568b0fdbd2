"""N+1 made visible: every response carries ``X-DB-Queries``, the number of SQL statements
the request ran (when ``DB_QUERY_HEADER`` is on: development and testing).

A SQLAlchemy event listener on the app's engine counts each statement sent to the
database in ``g``, which lives for one request.
"""

from flask import g, has_app_context
from sqlalchemy import event

from app.extensions import db


def count_statement(conn, cursor, statement, parameters, context, executemany):
    if has_app_context():
        g.db_queries = g.get("db_queries", 0) + 1


def add_query_header(response):
    response.headers["X-DB-Queries"] = str(g.get("db_queries", 0))
    return response


def init_app(app):
    if not app.config["DB_QUERY_HEADER"]:
        return
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count_statement)
    app.after_request(add_query_header)
