"""The ``auth`` blueprint, under ``/auth``: a placeholder log-in page until d08."""

# TODO: bp = Blueprint("auth", __name__); GET /login renders auth/login.html
