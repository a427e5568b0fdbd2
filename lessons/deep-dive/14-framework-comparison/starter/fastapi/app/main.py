"""The blog in FastAPI. `uvicorn app.main:app` serves it; /docs shows its OpenAPI document.

TODO (d14), from the README's contract:
- the tables (app/models.py, SQLAlchemy 2 style on app.db.Base), created at start-up in a
  lifespan function (`create_tables()` from app/db.py, given: uvicorn's workers each run
  the lifespan, and it lets them do so together);
- the API on an `APIRouter(prefix="/api/v1")` (app/api.py) with Pydantic v2 models for
  its bodies and answers (app/schemas.py), and the post page /posts/{post_id} (app/pages.py,
  Jinja2Templates);
- exception handlers that give every API error the spec's shape: FastAPI answers
  {"detail": ...} and a 422 of its own for a bad body, and the spec does not.
"""

from fastapi import FastAPI

app = FastAPI(title="The blog", version="1.0")
