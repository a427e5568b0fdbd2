"""gunicorn's settings for the blog (`gunicorn -c gunicorn.conf.py wsgi:app`)."""

bind = "0.0.0.0:8000"

# TODO (d13): workers from WEB_CONCURRENCY, else 2 * cores + 1; the access log on stdout;
# a graceful timeout for the requests in flight at SIGTERM.
workers = 2
