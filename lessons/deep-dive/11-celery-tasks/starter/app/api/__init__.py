"""The ``api`` blueprint, under ``/api/v1``: JSON only, authenticated with JWT bearer
tokens instead of the session cookie."""
