"""Display settings: a theme and a text size, chosen in a plain form and kept in cookies.

The form works without JavaScript (POST, then 303 back to it); the choice lives in two cookies
the browser sends with every page, so base.html can set ``data-theme`` and ``data-text`` on
``<html>`` before anything is drawn (no flash of the wrong theme, no script needed).
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

bp = Blueprint("settings", __name__)

#: Theme key -> what the form calls it.
THEMES = {
    "system": "Same as my system (light or dark)",
    "light": "Light",
    "dark": "Dark",
    "contrast": "High contrast",
}
TEXT_SIZES = {"normal": "Normal", "large": "Larger"}
THEME_COOKIE, TEXT_COOKIE = "mission_theme", "mission_text"
A_YEAR = 365 * 24 * 3600


def display() -> dict[str, str]:
    """The current choice (a cookie with an unknown value counts as the default)."""
    theme = request.cookies.get(THEME_COOKIE, "system")
    text = request.cookies.get(TEXT_COOKIE, "normal")
    return {
        "theme": theme if theme in THEMES else "system",
        "text_size": text if text in TEXT_SIZES else "normal",
    }


@bp.get("/settings")
def show() -> str:
    return render_template(
        "settings.html",
        themes=THEMES,
        text_sizes=TEXT_SIZES,
        saved=request.args.get("saved") == "1",
    )


@bp.post("/settings")
def save() -> BaseResponse:
    """Keep the choice for a year; an unknown value is refused with the form again."""
    theme = request.form.get("theme", "")
    text = request.form.get("text_size", "")
    if theme not in THEMES or text not in TEXT_SIZES:
        return BaseResponse(
            render_template(
                "settings.html",
                themes=THEMES,
                text_sizes=TEXT_SIZES,
                saved=False,
                problem="Choose one of the themes and one of the text sizes.",
            ),
            400,
            mimetype="text/html",
        )
    response = redirect(url_for("settings.show", saved=1), 303)
    for name, value in ((THEME_COOKIE, theme), (TEXT_COOKIE, text)):
        response.set_cookie(name, value, max_age=A_YEAR, samesite="Lax", httponly=True)
    return response
