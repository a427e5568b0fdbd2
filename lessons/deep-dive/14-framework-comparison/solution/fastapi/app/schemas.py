"""The API's bodies as Pydantic models: FastAPI validates requests with them and writes
them into the OpenAPI document. The rules are the spec's (the Flask app's rules.py)."""

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints


def no_spam(title):
    if "spam" in title.casefold():
        raise ValueError("A title may not mention spam.")
    return title


Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=5, max_length=120),
    AfterValidator(no_spam),
]
Body = Annotated[str, Field(max_length=10_000), StringConstraints(pattern=r"\S")]
Category = Literal["tech", "life", "news"]


class UserIn(BaseModel):
    username: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{3,30}$")]
    email: Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    password: Annotated[str, StringConstraints(min_length=8, max_length=128)]


class UserOut(BaseModel):
    id: int
    username: str


class TokenIn(BaseModel):
    email: str
    password: str


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int


class PostIn(BaseModel):
    title: Title
    body: Body
    category: Category


class PostPatch(BaseModel):
    """Only the fields sent are changed (``model_dump(exclude_unset=True)``). The defaults
    are not validated, so a field left out is fine and a field sent as null is refused."""

    title: Title = None
    body: Body = None
    category: Category = None


class PostOut(BaseModel):
    id: int
    title: str
    body: str
    category: str
    author: str
    created_at: str
    url: str


class Links(BaseModel):
    self: str
    next: str | None
    prev: str | None


class PostPage(BaseModel):
    posts: list[PostOut]
    total: int
    page: int
    per_page: int
    pages: int
    links: Links
