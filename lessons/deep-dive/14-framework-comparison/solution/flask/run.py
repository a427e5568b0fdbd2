"""Start the Flask blog with Flask's development server: `python run.py` (port 5000, or
PORT). Production serves it with gunicorn instead: `gunicorn 'app:create_app()'`."""

import os

from app import create_app

app = create_app()

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
