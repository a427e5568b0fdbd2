"""Flask extensions, created here without an app and bound to each app in ``create_app``
with ``init_app``: so importing them builds nothing, and every app gets its own state.

d06 needs none yet; d07 adds the database (``db``, ``migrate``), d08 ``login_manager``, d09
``csrf``.
"""
