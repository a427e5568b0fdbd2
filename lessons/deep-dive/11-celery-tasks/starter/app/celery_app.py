"""Celery, bound to the Flask app the way Flask's documentation shows ("Background Tasks
with Celery"): one Celery object per Flask app, configured from ``app.config["CELERY"]``,
whose tasks each run inside an application context, so a task can use ``db.session`` and
``current_app`` as a view does."""

from celery import Celery, Task


def celery_init_app(app):
    """Create the Celery app for ``app``, keep it in ``app.extensions["celery"]`` and make it
    the default, so the ``@shared_task`` functions of app/tasks.py belong to it."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            # TODO (d11): run the task inside app.app_context(), so it can use db.session
            return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
