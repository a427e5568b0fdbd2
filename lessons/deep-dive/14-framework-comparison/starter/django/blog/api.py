"""The JSON API under /api/v1, as Django views.

TODO (d14): the views of the spec (README, "The contract"): POST /api/v1/users,
POST /api/v1/tokens, GET and POST /api/v1/posts, GET, PATCH and DELETE
/api/v1/posts/<id>, every error in the spec's shape. The API authenticates with bearer
tokens, not cookies: exempt its views from CSRF (`@csrf_exempt`). The validation rules are
in blog/rules.py.
"""
