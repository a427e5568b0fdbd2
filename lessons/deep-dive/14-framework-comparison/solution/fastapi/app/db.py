"""The database: one SQLAlchemy engine, a session per request (a FastAPI dependency), and
the tables created at start-up."""

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


def create_tables() -> None:
    """``Base.metadata.create_all``, safe when uvicorn's workers start together.

    Every worker runs the lifespan. Two that check for the tables at the same moment both
    find none, and the second ``CREATE TABLE`` fails ("table ... already exists"): uvicorn
    then stops every worker. On SQLite, ``BEGIN IMMEDIATE`` takes the write lock first, so
    the workers look and create one after the other (PostgreSQL needs Alembic, run once).
    """
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        Base.metadata.create_all(connection)
