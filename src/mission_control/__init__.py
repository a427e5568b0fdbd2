"""Flask Mission Control: the course machinery (catalog, checker, progress, hub, CLI)."""

__version__ = "0.1.0"
