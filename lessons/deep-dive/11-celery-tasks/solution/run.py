"""`python run.py` serves the blog on 127.0.0.1, port 5000, or PORT when it is set."""

import os

from app import create_app

if __name__ == "__main__":
    create_app().run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
