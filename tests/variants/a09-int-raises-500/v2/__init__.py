"""API version 2, the current one; see v2/routes.py."""
