"""A lesson's README as HTML: markdown-it-py for the text, Pygments for the code.

Raw HTML in a README is not passed through, headings move down one level (the page's own
title is its only h1) and get ids, so the tutorial's "#the-contract" links work.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markupsafe import Markup, escape
from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

#: Pygments style for code blocks; every token colour meets WCAG AA on its white background.
CODE_STYLE = "xcode"
_FORMATTER = HtmlFormatter(style=CODE_STYLE, nowrap=True)


def _highlight(code: str, language: str, _attrs: str) -> str:
    try:
        lexer = get_lexer_by_name(language or "text")
    except ClassNotFound:
        lexer = get_lexer_by_name("text")
    html: str = pygments_highlight(code, lexer, _FORMATTER)
    return html


def slugify(text: str) -> str:
    """GitHub-style anchor: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return re.sub(r"\s", "-", text)


def _headings(state: StateCore) -> None:
    """Demote every heading one level (h1 -> h2 ... h5 -> h6) and give it an id."""
    tokens = state.tokens
    seen: dict[str, int] = {}
    for index, token in enumerate(tokens):
        if token.type in ("heading_open", "heading_close"):
            level = min(int(token.tag[1]) + 1, 6)
            token.tag = f"h{level}"
        if token.type == "heading_open":
            inline = tokens[index + 1]
            anchor = slugify(inline.content) or "section"
            count = seen.get(anchor, 0)
            seen[anchor] = count + 1
            token.attrSet("id", anchor if count == 0 else f"{anchor}-{count}")


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "highlight": _highlight, "linkify": False})
    md.enable("table")
    md.core.ruler.push("mission_headings", _headings)
    return md


_MD = _parser()


def render(text: str) -> str:
    """The Markdown as HTML. A code block scrolls sideways when its lines are long, so it
    takes keyboard focus (``tabindex="0"``) for a keyboard user to scroll it; raw HTML is
    off, so every ``<pre><code`` in the output is a code block's own."""
    html: str = _MD.render(text)
    return html.replace("<pre><code", '<pre tabindex="0"><code')


@lru_cache(maxsize=64)
def _render_file(path: Path, mtime_ns: int) -> str:
    return render(without_title(path.read_text(encoding="utf-8")))


def without_title(text: str) -> str:
    """The README without its leading ``# title`` line: the page already shows the lesson's
    id and title as its h1, and a second copy just below reads as a glitch."""
    first, _, rest = text.lstrip("\ufeff").partition("\n")
    return rest.lstrip("\n") if first.startswith("# ") else text


def render_file(path: Path) -> str:
    """The file rendered (its leading title left out), cached until it changes on disk."""
    return _render_file(path, path.stat().st_mtime_ns)


_CODE_SPAN = re.compile(r"`([^`]+)`")


def inline_code(text: str) -> Markup:
    """A one-line summary with its `backtick` spans as <code>, everything else escaped."""
    parts = _CODE_SPAN.split(text)
    return Markup("").join(
        Markup("<code>{}</code>").format(part) if index % 2 else escape(part)
        for index, part in enumerate(parts)
    )


def code_css(scope: str = ".tutorial pre code") -> str:
    css: str = _FORMATTER.get_style_defs(scope)
    return css
