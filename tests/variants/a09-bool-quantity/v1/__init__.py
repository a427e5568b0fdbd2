"""API version 1: read-only and deprecated; see v1/routes.py."""
