"""What gunicorn serves: `gunicorn -c gunicorn.conf.py wsgi:app`."""

from app import create_app

# TODO (d13): a missing SECRET_KEY or DATABASE_URL must stop the app with one line that
# names the variable, not a traceback.
app = create_app("production")
