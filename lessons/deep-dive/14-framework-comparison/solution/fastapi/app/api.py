"""The JSON API under /api/v1: users, tokens and posts."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from app.db import get_db
from app.models import Post, User
from app.schemas import PostIn, PostOut, PostPage, PostPatch, TokenIn, TokenOut, UserIn, UserOut
from app.security import LIFETIME, current_user, hasher, issue, password_matches, unauthorized

router = APIRouter(prefix="/api/v1")
Db = Annotated[Session, Depends(get_db)]
CurrentUser = Annotated[User, Depends(current_user)]


class FieldsError(Exception):
    """A 422 that names the fields at fault, in the spec's error shape."""

    def __init__(self, fields):
        self.fields = fields


def post_out(request, post):
    return PostOut(
        id=post.id,
        title=post.title,
        body=post.body,
        category=post.category,
        author=post.author.username,
        created_at=post.created_utc.isoformat().replace("+00:00", "Z"),
        url=str(request.url_for("get_post", post_id=post.id)),
    )


@router.post("/users", status_code=201)
def register(user: UserIn, db: Db) -> UserOut:
    taken = db.scalars(
        select(User).where(or_(User.username == user.username, User.email == user.email))
    ).all()
    problems = {}
    for other in taken:
        if other.username == user.username:
            problems["username"] = ["This username is taken."]
        if other.email == user.email:
            problems["email"] = ["This email is already registered."]
    if problems:
        raise FieldsError(problems)
    created = User(
        username=user.username, email=user.email, password_hash=hasher.hash(user.password)
    )
    db.add(created)
    db.commit()
    return UserOut(id=created.id, username=created.username)


@router.post("/tokens")
def create_token(login: TokenIn, db: Db) -> TokenOut:
    user = db.scalar(select(User).where(User.email == login.email))
    if user is None or not password_matches(user, login.password):
        raise unauthorized("Wrong email or password")
    return TokenOut(access_token=issue(user), expires_in=int(LIFETIME.total_seconds()))


def whole_number(text, name, low, high):
    """A query argument as a whole number in [low, high], else a 400 (not FastAPI's 422:
    the spec says a bad page is a bad request)."""
    if not text.isdigit() or not low <= int(text) <= high:
        raise HTTPException(400, f"{name} must be a whole number from {low} to {high}")
    return int(text)


@router.get("/posts")
def list_posts(request: Request, db: Db, page: str = "1", per_page: str = "20") -> PostPage:
    """The posts, newest first, ``per_page`` (1 to 100) at a time."""
    page_number = whole_number(page, "page", 1, 10**9)
    size = whole_number(per_page, "per_page", 1, 100)
    total = db.scalar(select(func.count(Post.id)))
    posts = db.scalars(
        select(Post)
        .options(joinedload(Post.author))
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(size)
        .offset((page_number - 1) * size)
    ).all()
    pages = (total + size - 1) // size

    def link(number):
        return str(request.url_for("list_posts").include_query_params(page=number, per_page=size))

    return PostPage(
        posts=[post_out(request, post) for post in posts],
        total=total,
        page=page_number,
        per_page=size,
        pages=pages,
        links={
            "self": link(page_number),
            "next": link(page_number + 1) if page_number < pages else None,
            "prev": link(page_number - 1) if page_number > 1 else None,
        },
    )


@router.post("/posts", status_code=201)
def create_post(
    post: PostIn, request: Request, response: Response, db: Db, user: CurrentUser
) -> PostOut:
    created = Post(**post.model_dump(), author=user)
    db.add(created)
    db.commit()
    response.headers["Location"] = request.url_for("get_post", post_id=created.id).path
    return post_out(request, created)


def find_post(db, post_id):
    post = db.get(Post, post_id)
    if post is None:
        raise HTTPException(404, f"There is no post {post_id}")
    return post


@router.get("/posts/{post_id}")
def get_post(post_id: int, request: Request, db: Db) -> PostOut:
    return post_out(request, find_post(db, post_id))


def own_post(db, post_id, user):
    post = find_post(db, post_id)
    if post.author_id != user.id:
        raise HTTPException(403, "Only the author may change this post")
    return post


@router.patch("/posts/{post_id}")
def update_post(
    post_id: int, changes: PostPatch, request: Request, db: Db, user: CurrentUser
) -> PostOut:
    post = own_post(db, post_id, user)
    for name, value in changes.model_dump(exclude_unset=True).items():
        setattr(post, name, value)
    db.commit()
    return post_out(request, post)


@router.delete("/posts/{post_id}", status_code=204)
def delete_post(post_id: int, db: Db, user: CurrentUser) -> None:
    db.delete(own_post(db, post_id, user))
    db.commit()
