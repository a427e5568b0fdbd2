"""The JSON API under /api/v1, as plain Django views: users, tokens and posts.

Each view is wrapped by :func:`api_view`, which allows only its methods, turns an
:class:`ApiError` into the spec's error shape and a dict into a JSON answer. The API
authenticates with bearer tokens, not cookies, so it is exempt from Django's CSRF check.
"""

import json
from datetime import UTC, datetime, timedelta
from functools import wraps

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from blog.models import Post
from blog.rules import POST_RULES, user_problems

User = get_user_model()
ALGORITHM = "HS256"
LIFETIME = timedelta(minutes=15)
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    415: "unsupported_media_type",
    422: "validation_error",
}


class ApiError(Exception):
    def __init__(self, status, message, fields=None):
        super().__init__(message)
        self.status, self.message, self.fields = status, message, fields


def error(status, message, fields=None):
    body = {"error": CODES[status], "message": message}
    if fields:
        body["fields"] = fields
    response = JsonResponse(body, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def api_view(*methods):
    """Only ``methods`` (else 405); ApiError → the error shape; a dict → JSON."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in methods:
                response = error(405, f"{request.method} is not allowed here")
                response["Allow"] = ", ".join(methods)
                return response
            try:
                answer = view(request, *args, **kwargs)
            except ApiError as problem:
                return error(problem.status, problem.message, problem.fields)
            if isinstance(answer, tuple):
                body, status = answer
                return JsonResponse(body, status=status)
            return answer if isinstance(answer, HttpResponse) else JsonResponse(answer)

        return wrapper

    return decorate


def json_object(request):
    if request.content_type != "application/json":
        raise ApiError(415, "Send the body as application/json")
    try:
        data = json.loads(request.body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ApiError(400, "The body must be a JSON object")
    return data


def bearer_user(request):
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "Send Authorization: Bearer <token> (POST /api/v1/tokens)")
    try:
        claims = jwt.decode(
            token.strip(),
            settings.JWT_SECRET_KEY,
            algorithms=[ALGORITHM],
            options={"require": ["exp", "iat", "sub"]},
        )
        user = User.objects.filter(pk=int(claims["sub"])).first()
    except (jwt.InvalidTokenError, ValueError, TypeError):
        user = None
    if user is None:
        raise ApiError(401, "The token is missing, expired or not valid")
    return user


def post_json(request, post):
    created = post.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return {
        "id": post.id,
        "title": post.title,
        "body": post.body,
        "category": post.category,
        "author": post.author.username,
        "created_at": created,
        "url": request.build_absolute_uri(reverse("post", args=[post.id])),
    }


@api_view("POST")
def users(request):
    data = json_object(request)
    problems = user_problems(data)
    if not problems:
        taken = User.objects.filter(Q(username=data["username"]) | Q(email=data["email"]))
        for user in taken:
            if user.username == data["username"]:
                problems["username"] = ["This username is taken."]
            if user.email == data["email"]:
                problems["email"] = ["This email is already registered."]
    if problems:
        raise ApiError(422, "The user is not valid", problems)
    user = User.objects.create_user(data["username"], data["email"], data["password"])
    return {"id": user.id, "username": user.username}, 201


@api_view("POST")
def tokens(request):
    data = json_object(request)
    email, password = data.get("email"), data.get("password")
    user = User.objects.filter(email=email).first() if isinstance(email, str) else None
    if user is None or not isinstance(password, str) or not user.check_password(password):
        raise ApiError(401, "Wrong email or password")
    now = datetime.now(UTC)
    claims = {"sub": str(user.id), "iat": now, "exp": now + LIFETIME}
    token = jwt.encode(claims, settings.JWT_SECRET_KEY, algorithm=ALGORITHM)
    return {"access_token": token, "token_type": "Bearer", "expires_in": 900}


def whole_number(request, name, default, low, high):
    text = request.GET.get(name, str(default))
    if not text.isdigit() or not low <= int(text) <= high:
        raise ApiError(400, f"{name} must be a whole number from {low} to {high}")
    return int(text)


def validated(data, required):
    names = POST_RULES if required else [name for name in POST_RULES if name in data]
    problems = {name: found for name in names if (found := POST_RULES[name](data.get(name)))}
    if problems:
        raise ApiError(422, "The post is not valid", problems)
    return {name: data[name].strip() if name == "title" else data[name] for name in names}


@api_view("GET", "POST")
def posts(request):
    if request.method == "POST":
        author = bearer_user(request)
        post = Post.objects.create(**validated(json_object(request), required=True), author=author)
        response = JsonResponse(post_json(request, post), status=201)
        response["Location"] = reverse("post", args=[post.id])
        return response
    page = whole_number(request, "page", 1, 1, 10**9)
    per_page = whole_number(request, "per_page", 20, 1, 100)
    total = Post.objects.count()
    start = (page - 1) * per_page
    found = Post.objects.select_related("author")[start : start + per_page]
    pages = (total + per_page - 1) // per_page

    def link(number):
        url = reverse("posts") + f"?page={number}&per_page={per_page}"
        return request.build_absolute_uri(url)

    return {
        "posts": [post_json(request, one) for one in found],
        "total": total,
        "page": page,
        "per_page": per_page,
        "pages": pages,
        "links": {
            "self": link(page),
            "next": link(page + 1) if page < pages else None,
            "prev": link(page - 1) if page > 1 else None,
        },
    }


@api_view("GET", "PATCH", "DELETE")
def post(request, post_id):
    found = Post.objects.select_related("author").filter(pk=post_id).first()
    if request.method != "GET":
        user = bearer_user(request)  # 401 before 404: no peeking at which ids exist
    if found is None:
        raise ApiError(404, f"There is no post {post_id}")
    if request.method == "GET":
        return post_json(request, found)
    if found.author_id != user.id:
        raise ApiError(403, "Only the author may change this post")
    if request.method == "DELETE":
        found.delete()
        return HttpResponse(status=204)
    for name, value in validated(json_object(request), required=False).items():
        setattr(found, name, value)
    found.save()
    return post_json(request, found)
