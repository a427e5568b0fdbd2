"""The rules a post must follow, written once: the web form (d09) and the API's schema
(d10) both call these functions, so the two can never disagree.

Each takes a value and raises ``ValueError`` with the message to show.
"""

from app.models import BODY_MAX, CATEGORIES, TAG_NAME, TAGS_MAX, TITLE_MAX, TITLE_MIN


def check_title(title):
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        raise ValueError(f"{TITLE_MIN} to {TITLE_MAX} characters")
    if "spam" in title.lower():
        raise ValueError("No spam, please")


def check_body(body):
    if not body.strip():
        raise ValueError("Write something")
    if len(body) > BODY_MAX:
        raise ValueError(f"At most {BODY_MAX:,} characters")


def check_category(category):
    if category not in CATEGORIES:
        raise ValueError(f"One of {', '.join(CATEGORIES)}")


def check_tags(names):
    if len(names) > TAGS_MAX:
        raise ValueError(f"At most {TAGS_MAX} tags")
    for name in names:
        if not isinstance(name, str) or not TAG_NAME.fullmatch(name):
            raise ValueError(f"{name!r}: 1 to 20 characters of a-z, 0-9 and -")
