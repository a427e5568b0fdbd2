"""gunicorn's settings for the blog (`gunicorn -c gunicorn.conf.py wsgi:app`).

A config file is Python: each module-level name is a setting. The values come from the
environment where an operator may want to change them without a new image.
"""

import multiprocessing
import os

# Where nginx finds us: inside the container, on every interface, port 8000.
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")

# Sync workers, each one request at a time: the usual starting point is 2 per core + 1
# (one waits on the database while another computes). WEB_CONCURRENCY is the name
# hosting platforms use to set it.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * multiprocessing.cpu_count() + 1)

# A request that takes longer than this has its worker killed and restarted.
timeout = 30
# On SIGTERM, a worker finishes the request it is serving; after this long it is killed.
graceful_timeout = 30
keepalive = 5  # seconds an idle keep-alive connection from nginx stays open

# Logs to stdout/stderr, where Docker and the platform collect them.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

# Load the app in the master before forking: a missing setting stops gunicorn at once
# with the app's one-line message, instead of workers that fail to boot again and again.
preload_app = True
