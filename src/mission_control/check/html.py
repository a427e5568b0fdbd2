"""Pages and forms for checkpoints: a response read as HTML, the way a browser reads it.

The parser is Lexbor's HTML5 parser (through ``selectolax``): a page that a browser shows is
read the same way here, however loosely its templates are written, and elements are found by
CSS selector. A form is read whole (its action, its method, every field with the value a
browser would send, hidden ones such as ``csrf_token`` included) and submitted with changed
values through the checkpoint's own client, so the session cookie goes along. Redirects are
followed only when asked (:func:`follow_redirects`), and the chain is shown in a failure.

Failures quote the part of the page they are about (the element, the form, or the start of
the page's ``<main>`` or ``<body>``), never the whole document.

    page = visit(client, "/auth/login").expect_status(200).html()
    form = page.form("form")
    done = form.submit(client, {"email": "ada@example.com"}, follow_redirects=True)
    expect_equal(done.path, "/dashboard", "where the login lands", response=done.response)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from mission_control.check.client import CheckFailed, Client, Response, status_text

QUOTE_CHARS = 600  # characters of a page quoted in a failure
REDIRECT_LIMIT = 10
REDIRECTS = (301, 302, 303, 307, 308)


def _squeeze(text: str) -> str:
    """Text as a reader sees it: runs of whitespace are one space."""
    return " ".join(text.split())


def _quote(html: str, limit: int = QUOTE_CHARS) -> str:
    html = "\n".join(line.rstrip() for line in html.strip().splitlines() if line.strip())
    return html if len(html) <= limit else html[:limit].rstrip() + " …"


# -- redirects ------------------------------------------------------------------------------


@dataclass
class Visit:
    """A request and the redirects followed from it: ``chain`` holds every response in
    order, the final one (``response``) last."""

    chain: list[Response]

    @property
    def response(self) -> Response:
        return self.chain[-1]

    @property
    def status_code(self) -> int:
        return self.response.status_code

    @property
    def path(self) -> str:
        """Where the visit ended (path and query)."""
        return self.response.request.target

    @property
    def redirected(self) -> bool:
        return len(self.chain) > 1

    def describe(self) -> str:
        """``GET /a → 302 FOUND → GET /b → 200 OK``."""
        steps = []
        for response in self.chain:
            steps.append(f"{response.request.method} {response.request.target}")
            steps.append(response.status_line)
        return " → ".join(steps)

    def fail(self, message: str, *, hint: str | None = None) -> CheckFailed:
        """A failure about this visit, with the redirect chain when there was one."""
        if self.redirected:
            message += f"\n(redirects followed: {self.describe()})"
        return CheckFailed(message, hint=hint, response=self.response)

    def expect_status(self, *codes: int, hint: str | None = None) -> Visit:
        if self.status_code not in codes:
            wanted = " or ".join(status_text(code) for code in codes)
            raise self.fail(f"expected status {wanted}, not {self.response.status_line}", hint=hint)
        return self

    def html(self, *, hint: str | None = None) -> HtmlDocument:
        """The final response read as HTML."""
        return read_html(self.response, visit=self, hint=hint)


def redirect_target(response: Response) -> str | None:
    """The path (and query) a redirect points at on this site; ``None`` when the response
    is no redirect. An address on another site is returned whole."""
    if response.status_code not in REDIRECTS:
        return None
    location = response.headers.get("Location")
    if not location:
        return None
    parts = urlsplit(urljoin(response.request.target, location))
    if parts.netloc and parts.hostname not in ("localhost", "127.0.0.1"):
        return parts.geturl()
    return parts.path + (f"?{parts.query}" if parts.query else "")


def follow_redirects(client: Client, response: Response, *, limit: int = REDIRECT_LIMIT) -> Visit:
    """Follow ``response``'s redirects the way a browser does (303, and 301/302 after a
    POST, become GET; 307/308 repeat the method and body), through ``client``, so cookies
    go along. A redirect to another site is not followed: the visit ends on it."""
    chain = [response]
    while (target := redirect_target(chain[-1])) is not None and target.startswith("/"):
        if len(chain) > limit:
            raise Visit(chain).fail(f"expected the redirects to end, but there were over {limit}")
        previous = chain[-1]
        sent = previous.request
        if previous.status_code in (307, 308):
            headers = [(k, v) for k, v in sent.headers if k.lower() == "content-type"]
            chain.append(
                client.request(sent.method, target, headers=headers, data=sent.body or None)
            )
        else:
            chain.append(client.get(target))
    return Visit(chain)


def visit(
    client: Client, path: str, *, method: str = "GET", follow: bool = True, **kwargs: Any
) -> Visit:
    """Request ``path`` (with the client's usual arguments) and follow its redirects."""
    response = client.request(method, path, **kwargs)
    return follow_redirects(client, response) if follow else Visit([response])


# -- pages and elements ---------------------------------------------------------------------


class Element:
    """One element of a page: ``tag``, ``text`` (whitespace squeezed), ``attrs``, ``html``."""

    def __init__(self, node: LexborNode, document: HtmlDocument) -> None:
        self._node = node
        self.document = document

    @property
    def tag(self) -> str:
        return self._node.tag or ""

    @property
    def text(self) -> str:
        return _squeeze(self._node.text(deep=True, separator=" "))

    @property
    def attrs(self) -> dict[str, str]:
        return {name: value or "" for name, value in self._node.attributes.items()}

    def attr(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    @property
    def html(self) -> str:
        """The element's own HTML, cut to what a failure message quotes."""
        return _quote(self._node.html or "")

    def select(self, css: str) -> list[Element]:
        return [Element(node, self.document) for node in self._node.css(css)]

    def one(self, css: str, what: str | None = None, *, hint: str | None = None) -> Element:
        """The first element inside this one matching ``css``; a failure quoting this
        element when there is none."""
        found = self.select(css)
        if not found:
            raise self.document.fail(
                f"expected {what or f'an element matching `{css}`'} inside <{self.tag}>, "
                f"but there is none. It holds:\n{self.html}",
                hint=hint,
            )
        return found[0]

    def __repr__(self) -> str:
        return f"<Element {self.tag} {self.text[:40]!r}>"


class HtmlDocument:
    """A response read as an HTML page."""

    def __init__(self, response: Response, visit: Visit | None = None) -> None:
        self.response = response
        self.visit = visit or Visit([response])
        self._tree = LexborHTMLParser(response.text)

    def fail(self, message: str, *, hint: str | None = None) -> CheckFailed:
        return self.visit.fail(message, hint=hint)

    @property
    def root(self) -> Element:
        node = self._tree.body or self._tree.root
        assert node is not None
        return Element(node, self)

    @property
    def title(self) -> str:
        node = self._tree.css_first("title")
        return _squeeze(node.text()) if node is not None else ""

    @property
    def text(self) -> str:
        """Everything a reader sees in the body, whitespace squeezed."""
        body = self._tree.body
        return _squeeze(body.text(deep=True, separator=" ")) if body is not None else ""

    def excerpt(self) -> str:
        """The part of the page a failure quotes: its <main> if it has one, else its body."""
        node = self._tree.css_first("main") or self._tree.body or self._tree.root
        return _quote(node.html or "") if node is not None else ""

    def select(self, css: str) -> list[Element]:
        return [Element(node, self) for node in self._tree.css(css)]

    def one(self, css: str, what: str | None = None, *, hint: str | None = None) -> Element:
        """The first element matching ``css``; a failure that quotes the page if none."""
        found = self.select(css)
        if not found:
            raise self.fail(
                f"expected {what or f'an element matching `{css}`'} on the page "
                f"{self.response.request.target}, but there is none. The page shows:\n"
                f"{self.excerpt()}",
                hint=hint,
            )
        return found[0]

    def expect_none(self, css: str, what: str | None = None, *, hint: str | None = None) -> None:
        found = self.select(css)
        if found:
            raise self.fail(
                f"expected no {what or f'element matching `{css}`'} on the page, but found:\n"
                f"{found[0].html}",
                hint=hint,
            )

    def expect_text(self, text: str, *, within: str = "body", hint: str | None = None) -> Element:
        """The element ``within`` (a selector), failing unless its text contains ``text``
        (whitespace squeezed on both sides)."""
        element = self.one(within, hint=hint)
        if _squeeze(text) not in element.text:
            shown = element.html if within != "body" else self.excerpt()
            raise self.fail(
                f"expected the page to show {text!r}"
                + (f" in `{within}`" if within != "body" else "")
                + f", but it does not. It shows:\n{shown}",
                hint=hint,
            )
        return element

    def links(self, css: str = "a[href]") -> list[str]:
        """The hrefs of the links matching ``css``, in page order."""
        return [element.attr("href") or "" for element in self.select(css)]

    def form(self, css: str = "form", what: str | None = None, *, hint: str | None = None) -> Form:
        """The first form matching ``css``, read whole."""
        element = self.one(css, what or f"a form (`{css}`)", hint=hint)
        if element.tag != "form":
            raise self.fail(f"expected `{css}` to be a <form>, not:\n{element.html}", hint=hint)
        return Form(element, self)


def read_html(
    response: Response, *, visit: Visit | None = None, hint: str | None = None
) -> HtmlDocument:
    """``response`` as a page; a failure unless it is HTML (``Content-Type: text/html``)."""
    if response.content_type != "text/html":
        got = response.content_type or "no Content-Type"
        raise (visit or Visit([response])).fail(
            f"expected an HTML page (Content-Type: text/html), not {got}", hint=hint
        )
    return HtmlDocument(response, visit)


# -- forms ----------------------------------------------------------------------------------

_NOT_SENT = {"submit", "button", "reset", "image", "file"}


@dataclass(frozen=True)
class Field:
    """One field of a form: its name, its kind (``text``, ``hidden``, ``checkbox``,
    ``select``, ``textarea``, ...), and the value a browser would send (``None``: not sent,
    e.g. a checkbox that is not ticked)."""

    name: str
    kind: str
    value: str | None
    options: tuple[str, ...] = ()  # for a select: the values it offers


def _fields(form: LexborNode) -> list[Field]:
    found: list[Field] = []
    for node in form.css("input, select, textarea, button"):
        attributes = {k: v or "" for k, v in node.attributes.items()}
        name = attributes.get("name")
        if not name or "disabled" in attributes:
            continue
        tag = node.tag
        if tag == "textarea":
            found.append(Field(name, "textarea", node.text(deep=True)))
        elif tag == "select":
            options = node.css("option")
            values = tuple(o.attributes.get("value") or _squeeze(o.text()) for o in options)
            chosen = [o for o in options if "selected" in o.attributes]
            pick = chosen[0] if chosen else (options[0] if options else None)
            picked = None if pick is None else pick.attributes.get("value") or _squeeze(pick.text())
            found.append(Field(name, "select", picked, values))
        elif tag == "button":
            found.append(Field(name, "button", None))
        else:
            kind = attributes.get("type", "text").lower()
            value: str | None = attributes.get(
                "value", "on" if kind in ("checkbox", "radio") else ""
            )
            unticked = kind in ("checkbox", "radio") and "checked" not in attributes
            if unticked or kind in _NOT_SENT:
                value = None
            found.append(Field(name, kind, value))
    return found


@dataclass
class Form:
    """A form as a browser would submit it."""

    element: Element
    document: HtmlDocument
    fields: list[Field] = field(init=False)

    def __post_init__(self) -> None:
        self.fields = _fields(self.element._node)

    @property
    def method(self) -> str:
        return (self.element.attr("method") or "GET").upper()

    @property
    def action(self) -> str:
        """Where the form is sent (path and query): its ``action`` read against the page's
        own address, the page itself when there is none."""
        page = self.document.response.request.target
        action = self.element.attr("action") or page
        parts = urlsplit(urljoin(page, action))
        return parts.path + (f"?{parts.query}" if parts.query else "")

    @property
    def enctype(self) -> str:
        return (self.element.attr("enctype") or "application/x-www-form-urlencoded").lower()

    @property
    def names(self) -> list[str]:
        """Every field's name, once, in page order."""
        return list(dict.fromkeys(f.name for f in self.fields))

    @property
    def values(self) -> dict[str, str]:
        """What the form would send as it stands (the first value of each name)."""
        sent: dict[str, str] = {}
        for item in self.fields:
            if item.value is not None:
                sent.setdefault(item.name, item.value)
        return sent

    def field(self, name: str, *, hint: str | None = None) -> Field:
        for item in self.fields:
            if item.name == name:
                return item
        raise self.missing(name, hint)

    def missing(self, name: str, hint: str | None = None) -> CheckFailed:
        has = ", ".join(self.names) or "no named fields"
        return self.document.fail(
            f"expected the form to have a field named {name!r}, but it has: {has}. "
            f"The form:\n{self.element.html}",
            hint=hint,
        )

    def submit(
        self,
        client: Client,
        values: Mapping[str, str | Sequence[str] | None] | None = None,
        *,
        files: Mapping[str, tuple[Any, ...]] | None = None,
        follow_redirects: bool = False,
        extra: Mapping[str, str] | None = None,
        hint: str | None = None,
    ) -> Visit:
        """Send the form with ``values`` changed (``None`` leaves a field out, a list sends
        it repeated), through ``client`` so the session cookie goes along. Every name in
        ``values`` must be a field of the form (a missing field is the app's mistake);
        ``extra`` adds fields the form does not have (to test what the app refuses)."""
        pairs: list[tuple[str, str]] = []
        changes = dict(values or {})
        for name in changes:
            if name not in self.names:
                raise self.missing(name, hint)
        done: set[str] = set()
        for item in self.fields:
            if item.name in changes:
                if item.name in done:
                    continue
                done.add(item.name)
                wanted = changes[item.name]
                if wanted is None:
                    continue
                for one in [wanted] if isinstance(wanted, str) else wanted:
                    pairs.append((item.name, one))
            elif item.value is not None:
                pairs.append((item.name, item.value))
        pairs += list((extra or {}).items())
        grouped: dict[str, list[str]] = {}
        for name, value in pairs:
            grouped.setdefault(name, []).append(value)
        if self.method == "GET":
            response = client.get(urlsplit(self.action).path, query=urlencode(pairs))
        elif files is not None or self.enctype == "multipart/form-data":
            # one value a name in a multipart body (the client's encoder sends no repeats)
            first = {name: sent[0] for name, sent in grouped.items()}
            response = client.request(self.method, self.action, data=first, files=files or {})
        else:
            response = client.request(self.method, self.action, data=grouped)
        return _follow(client, response) if follow_redirects else Visit([response])


_follow = follow_redirects  # Form.submit's argument of the same name hides the function
