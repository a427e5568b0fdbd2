"""The one HTML page of the spec, rendered with Jinja2."""

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session, joinedload

from app.db import get_db
from app.models import Post

router = APIRouter()
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


@router.get("/posts/{post_id}", response_class=HTMLResponse, include_in_schema=False)
def show_post(post_id: int, request: Request, db: Annotated[Session, Depends(get_db)]):
    post = db.get(Post, post_id, options=[joinedload(Post.author)])
    if post is None:
        raise HTTPException(404, "There is no such post")
    return templates.TemplateResponse(request, "post.html", {"post": post})
