"""The ``main`` blueprint: the home page, the health check, and the error pages of the
whole app."""

# TODO: bp = Blueprint("main", __name__)
# TODO: GET / renders main/index.html; GET /healthz -> {"status": "ok", "config": <name>}
# TODO: @bp.app_errorhandler(404) and (500), rendering errors/404.html and errors/500.html
