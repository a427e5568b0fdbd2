"""What gunicorn serves: `gunicorn -c gunicorn.conf.py wsgi:app`.

The production app, built once when gunicorn loads this module. A setting missing from the
environment stops it with one line that names it (not a traceback): the first thing an
operator reads in the container's log.
"""

import sys

from app import create_app
from config import MissingSetting

try:
    app = create_app("production")
except MissingSetting as error:
    sys.exit(f"error: {error}")
