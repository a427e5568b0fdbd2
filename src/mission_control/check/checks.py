"""Checks that more than one lesson makes, written once.

Several lessons ask the same of an app: a JSON API answers every error as
``{"error": "..."}`` (an unknown URL, a wrong method, a body that is not JSON); an HTML
lesson answers pages that are ``text/html``, escape what they echo and carry links and
forms. Each check here is a plain function over the ``client`` or a ``Response``; it fails
through the same expectations a checkpoint uses, so a learner reads the same
"expected X, not Y" whichever lesson they are in. Lesson words (routes, hints) stay in the
lesson's checkpoints and come in as arguments.
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterable, Mapping
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from mission_control.check.api import expect, fail
from mission_control.check.client import Client, Response

#: Bodies that are JSON but not an object: a list, a string, a number.
NOT_OBJECTS: tuple[Any, ...] = (["Buy milk"], "Buy milk", 7)

_UTF8 = re.compile(r"charset\s*=\s*[\"']?utf-8", re.I)
#: Elements that have no end tag, so never hold text.
_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    ]
)
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.I | re.S)


# -- JSON APIs: every error is {"error": "..."} -------------------------------------------


def expect_unknown_url_404(
    client: Client, prefix: str = "/no-such-page-", *, length: int = 6
) -> Response:
    """GET a URL no app serves (``prefix`` plus random hex) and fail unless it answers 404
    with a JSON error: Flask's own 404 is an HTML page until the app registers a handler."""
    r = client.get(f"{prefix}{uuid.uuid4().hex[:length]}")
    r.expect_error(404)
    return r


def allowed_methods(response: Response, *, ignore_case: bool = False) -> set[str]:
    """The methods the Allow header lists (fails when there is none). Methods are
    case-sensitive in HTTP; ``ignore_case`` upper-cases them for hand-written headers."""
    listed = {part.strip() for part in response.expect_header("Allow").split(",")}
    return {method.upper() for method in listed} if ignore_case else listed


def expect_allow(
    response: Response,
    *methods: str,
    absent: Iterable[str] = (),
    ignore_case: bool = False,
) -> set[str]:
    """Fail unless the Allow header exists, lists every one of ``methods`` and none of
    ``absent``; return what it lists. A 405 without Allow leaves a client guessing."""
    listed = allowed_methods(response, ignore_case=ignore_case)
    absent = tuple(absent)
    if methods or absent:
        wanted = "the Allow header to list " + " and ".join(methods)
        if absent:
            wanted += f" (and not {' or '.join(absent)})"
        expect(
            set(methods) <= listed and not listed & set(absent),
            wanted,
            repr(response.headers.get("Allow")),
            response=response,
        )
    return listed


def expect_method_not_allowed(
    client: Client, method: str, path: str, *allowed: str, ignore_case: bool = False
) -> Response:
    """Send ``method`` to a route that does not take it; fail unless the answer is a JSON
    405 whose Allow header lists ``allowed`` (or just has one, when none are given)."""
    r = client.request(method, path)
    r.expect_error(405)
    expect_allow(r, *allowed, ignore_case=ignore_case)
    return r


def expect_not_json_415(
    client: Client, path: str, form: Mapping[str, Any], *, raw: str | None = None
) -> None:
    """POST ``form`` as a form (and, with ``raw``, that text as text/plain and with no
    Content-Type at all); fail unless each answers 415 with a JSON error, which is what
    ``request.get_json()`` raises for a body not sent as application/json."""
    client.post(path, data=dict(form)).expect_error(415)
    if raw is not None:
        client.post(path, data=raw, headers={"Content-Type": "text/plain"}).expect_error(415)
        client.post(path, data=raw).expect_error(415)


def expect_malformed_json_400(client: Client, path: str, bodies: Iterable[str]) -> None:
    """POST each of ``bodies`` labelled application/json (they do not parse); fail unless
    each answers 400 with a JSON error, not Flask's HTML 400 page."""
    for body in bodies:
        client.post(path, data=body, headers={"Content-Type": "application/json"}).expect_error(400)


def expect_object_required(
    client: Client, path: str, bodies: Iterable[Any] = NOT_OBJECTS, *, method: str = "POST"
) -> None:
    """Send each of ``bodies`` (valid JSON, but not an object) and fail unless each answers
    400 with a JSON error: ``request.get_json()`` may return a list, a string or a number."""
    for body in bodies:
        client.request(method, path, json=body).expect_error(400)


def is_count(value: object) -> bool:
    """Whether ``value`` is a whole number 0 or more in JSON (true and false are not)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


# -- HTML pages ----------------------------------------------------------------------------


def expect_html(
    response: Response,
    *statuses: int,
    utf8: bool = False,
    hint: str | None = None,
    type_hint: str | None = None,
) -> str:
    """Fail unless the status is one of ``statuses`` and the answer is an HTML page (with
    ``utf8``: ``Content-Type: text/html; charset=utf-8``); return the page's text.
    ``type_hint`` is the advice for a wrong Content-Type when ``hint`` is not given."""
    response.expect_status(*statuses, hint=hint)
    content_type = response.headers.get("Content-Type")
    if utf8:
        expect(
            response.content_type == "text/html" and _UTF8.search(content_type or ""),
            'the header "Content-Type: text/html; charset=utf-8"',
            repr(content_type) if content_type else "no Content-Type header",
            hint=hint or type_hint,
            response=response,
        )
    else:
        expect(
            response.content_type == "text/html",
            "an HTML page (Content-Type: text/html)",
            content_type or "no Content-Type",
            hint=hint or type_hint,
            response=response,
        )
    return response.data.decode("utf-8", errors="replace")


def expect_content_length(response: Response, *, hint: str | None = None) -> None:
    """Fail unless Content-Length counts the body's bytes (a hand-built WSGI answer often
    counts characters, which differs as soon as the page holds an "ü")."""
    length = response.headers.get("Content-Length")
    size = len(response.data)
    expect(
        length is not None and length.strip().isdigit() and int(length) == size,
        f"Content-Length: {size} (the body is {size} bytes)",
        f"Content-Length: {length}" if length is not None else "no Content-Length",
        hint=hint,
        response=response,
    )


def headings(text: str) -> list[str]:
    """What each <h1> of a page holds, entities turned back into characters. Markup inside
    is kept on purpose: an echoed ``<img>`` that was not escaped shows up in the message."""
    return [html.unescape(found.strip()) for found in _H1.findall(text)]


def expect_h1(response: Response, text: str, wanted: str, *, hint: str | None = None) -> None:
    """Fail unless the page ``text`` has ``<h1>wanted</h1>``; the message lists the <h1>s
    it has."""
    found = headings(text)
    expect(
        wanted in found,
        f"the page to have <h1>{html.escape(wanted)}</h1>",
        "<h1>" + "</h1>, <h1>".join(found) + "</h1>" if found else "a page without any <h1>",
        hint=hint,
        response=response,
    )


def expect_escaped(response: Response, text: str, attack: str) -> None:
    """Fail if ``attack`` (markup the checkpoint sent) is in the page as it was sent: a
    browser would run it instead of showing it."""
    expect(
        attack not in text,
        f"{attack} escaped (as {html.escape(attack)})",
        "it in the page as a real tag: a browser would run it",
        response=response,
    )


class HtmlPage(HTMLParser):
    """A page read as a browser reads it (the standard library's parser), so a link is an
    <a href> and a form a <form> however the template lays them out.

    ``elements`` holds every start tag with its attributes; ``links`` each (href, inside a
    <header>); ``forms`` each {"attrs": ..., "inputs": [...]}, every input, select and
    textarea also in ``inputs`` (with "_labelled_by_parent" when it sits in a <label>);
    ``texts_by_id`` the text inside each element that has an id (what ``aria-describedby``
    points a screen reader at).
    """

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.links: list[tuple[str, bool]] = []
        self.stylesheets: list[str] = []
        self.h1: list[str] = []
        self.titles: list[str] = []
        self.forms: list[dict[str, Any]] = []
        self.inputs: list[dict[str, Any]] = []
        self.label_targets: set[str] = set()
        self.has_header = False
        self._text: list[str] = []
        self._header = 0
        self._labels = 0
        self._form: dict[str, Any] | None = None
        self._open: dict[str, list[str]] = {}
        self.texts_by_id: dict[str, str] = {}
        self._with_id: list[tuple[str, str, list[str]]] = []  # (tag, id, text so far)
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name.lower(): value or "" for name, value in attrs}
        self.elements.append((tag, attributes))
        if tag == "header":
            self.has_header = True
            self._header += 1
        elif tag == "a" and "href" in attributes:
            self.links.append((attributes["href"], self._header > 0))
        elif tag == "link" and "stylesheet" in attributes.get("rel", "").lower().split():
            self.stylesheets.append(attributes.get("href", ""))
        elif tag == "form":
            self._form = {"attrs": attributes, "inputs": []}
            self.forms.append(self._form)
        elif tag == "label":
            self._labels += 1
            if attributes.get("for"):
                self.label_targets.add(attributes["for"])
        elif tag in ("input", "select", "textarea"):
            field = {**attributes, "_labelled_by_parent": self._labels > 0}
            self.inputs.append(field)
            if self._form is not None:
                self._form["inputs"].append(field)
        if tag in ("h1", "title"):
            self._open[tag] = []
        if attributes.get("id") and tag not in _VOID:
            self._with_id.append((tag, attributes["id"], []))

    def handle_endtag(self, tag: str) -> None:
        if tag == "header" and self._header:
            self._header -= 1
        elif tag == "form":
            self._form = None
        elif tag == "label":
            self._labels = max(0, self._labels - 1)
        if tag in self._open:
            text = " ".join("".join(self._open.pop(tag)).split())
            (self.h1 if tag == "h1" else self.titles).append(text)
        for index in range(len(self._with_id) - 1, -1, -1):
            open_tag, element_id, parts = self._with_id[index]
            if open_tag == tag:
                del self._with_id[index]
                self.texts_by_id.setdefault(element_id, " ".join("".join(parts).split()))
                break

    def handle_data(self, data: str) -> None:
        self._text.append(data)
        for parts in self._open.values():
            parts.append(data)
        for _, _, parts in self._with_id:
            parts.append(data)

    @property
    def text(self) -> str:
        """The page's text as a reader sees it, runs of white space made one space."""
        return " ".join("".join(self._text).split())

    @property
    def ids(self) -> set[str]:
        return {attributes["id"] for _, attributes in self.elements if "id" in attributes}

    def attribute_values(self, name: str) -> list[str]:
        """The value of attribute ``name`` on every element that has it, in page order."""
        return [attributes[name] for _, attributes in self.elements if name in attributes]

    def handlers(self, marker: str) -> list[str]:
        """The event-handler attributes (onerror=, onclick=...) whose code holds ``marker``:
        an attack that became a real tag instead of text, shown as ``<img onerror=...>``."""
        return [
            f"<{tag} {name}=...>"
            for tag, attributes in self.elements
            for name, value in attributes.items()
            if name.startswith("on") and marker in value
        ]

    def labelled(self, field: Mapping[str, Any]) -> bool:
        """Whether a form field has a <label>: around it, or naming its id in ``for``."""
        return bool(field.get("_labelled_by_parent")) or field.get("id", "") in self.label_targets

    def field(self, name: str) -> dict[str, Any] | None:
        """The first input, select or textarea whose ``name`` is ``name``."""
        return next((field for field in self.inputs if field.get("name") == name), None)

    def description(self, field: Mapping[str, Any]) -> str:
        """A field's accessible description: the text of the elements its
        ``aria-describedby`` names, joined by spaces ("" when it names none that exist)."""
        ids = str(field.get("aria-describedby", "")).split()
        return " ".join(self.texts_by_id[i] for i in ids if self.texts_by_id.get(i))

    def links_to(self, path: str, *, in_header: bool = False) -> bool:
        return any(
            urlsplit(href).path == path and (inside or not in_header) for href, inside in self.links
        )

    def shown_links(self) -> str:
        return ", ".join(href for href, _ in self.links) or "no links at all"

    def shown_text(self, limit: int = 300) -> str:
        text = self.text
        return repr(text if len(text) <= limit else text[:limit] + "…")


def html_page(response: Response, *statuses: int, hint: str | None = None) -> HtmlPage:
    """The response parsed as an HTML page; fails unless its status is one of ``statuses``
    (200 when none are given) and it is text/html."""
    return HtmlPage(expect_html(response, *(statuses or (200,)), hint=hint))


# -- PEP 3333 --------------------------------------------------------------------------------


def expect_wsgi_valid(
    client: Client, requests: Iterable[tuple[str, str, Mapping[str, Any]]]
) -> None:
    """Send each (method, path, options) through ``wsgiref.validate`` and fail on the first
    violation. Where the target cannot wrap the app object (a bare URL), the checker skips
    the checkpoint with its own message. Statuses are not judged here beyond "not a server
    error"."""
    for method, path, options in requests:
        r = client.request(method, path, wsgi_lint=True, **options)
        if r.raised == "AssertionError":  # one of the validator's asserts without a message
            fail(
                f"wsgiref.validate refused {method} {path} without saying why. Its silent "
                "checks: environ['wsgi.input'].read() takes exactly one argument, the size; "
                "each header is a (name, value) pair; wsgi.errors gets str and write() bytes",
                response=r,
            )
        if r.raised:
            fail(f"wsgiref.validate refused {method} {path}: {r.raised}", response=r)
        expect(r.status_code < 500, "an answer, not a server error", r.status_line, response=r)
