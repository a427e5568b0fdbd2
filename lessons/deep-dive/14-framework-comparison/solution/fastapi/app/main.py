"""The blog in FastAPI: the API router, the post page, and the handlers that give every
API error the spec's shape. `uvicorn app.main:app` serves it; /docs shows its OpenAPI
document (/openapi.json)."""

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from app import api, pages
from app.db import create_tables
from app.pages import templates
from app.security import secret_key

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    415: "unsupported_media_type",
    422: "validation_error",
}


@asynccontextmanager
async def lifespan(app):
    secret_key()  # refuse to start without JWT_SECRET_KEY
    create_tables()  # once, whichever worker comes first (existing tables are kept)
    yield


app = FastAPI(title="The blog", version="1.0", lifespan=lifespan)
app.include_router(api.router)
app.include_router(pages.router)


def error(status, message, headers=None, fields=None):
    body = {"error": CODES.get(status, "error"), "message": message}
    if fields:
        body["fields"] = fields
    return JSONResponse(body, status_code=status, headers=headers)


@app.exception_handler(HTTPException)
async def http_error(request: Request, exc: HTTPException):
    if request.url.path.startswith("/api/"):
        return error(exc.status_code, str(exc.detail), exc.headers)
    if exc.status_code == 404:
        return templates.TemplateResponse(request, "404.html", status_code=404)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


@app.exception_handler(RequestValidationError)
async def validation_error(request: Request, exc: RequestValidationError):
    """FastAPI's 422 in the spec's shape: a body that is not JSON is a 415, one that is not
    a JSON object a 400, a path id that is not a number a 404, bad fields a 422."""
    errors = exc.errors()
    if any(e["loc"][0] == "path" for e in errors):
        return await http_error(request, HTTPException(404, "There is no such URL"))
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if content_type != "application/json":
        return error(415, "Send the body as application/json")
    if any(len(e["loc"]) < 2 or e["type"] == "json_invalid" for e in errors):
        return error(400, "The body must be a JSON object")
    fields = {}
    for e in errors:
        fields.setdefault(str(e["loc"][-1]), []).append(e["msg"])
    return error(422, "The request is not valid", fields=fields)


@app.exception_handler(api.FieldsError)
async def fields_error(request: Request, exc: api.FieldsError):
    return error(422, "The request is not valid", fields=exc.fields)
