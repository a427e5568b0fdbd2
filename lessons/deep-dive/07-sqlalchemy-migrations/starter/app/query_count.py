"""N+1 made visible: every response carries ``X-DB-Queries``, the number of SQL statements
the request ran (when ``DB_QUERY_HEADER`` is on: development and testing)."""


def init_app(app):
    # TODO: inside app.app_context(), event.listen(db.engine, "before_cursor_execute", ...)
    # counting in g; and an app.after_request function that sets the header.
    pass
