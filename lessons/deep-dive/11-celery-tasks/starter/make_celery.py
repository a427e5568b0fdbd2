"""What the worker and beat load: `celery -A make_celery worker --loglevel=info` and
`celery -A make_celery beat`. It builds the Flask app (so the tasks find its configuration
and database) and hands Celery the Celery app bound to it."""

from app import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
