"""The ``reports`` blueprint (d11), under ``/reports``: ask for a report, follow its task."""
