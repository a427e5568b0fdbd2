"""The database: one SQLAlchemy engine, a session per request (a FastAPI dependency)."""

import os
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import DeclarativeBase, sessionmaker

DEFAULT = Path(__file__).resolve().parent.parent / "blog.sqlite3"
URL = os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT}"
# SQLite objects may be used by the thread pool FastAPI runs `def` endpoints in.
engine = create_engine(
    URL, connect_args={"check_same_thread": False} if URL.startswith("sqlite") else {}
)
SessionLocal = sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


def get_db():
    with SessionLocal() as session:
        yield session
