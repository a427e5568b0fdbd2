"""The spec's validation rules, written once: each returns a list of problems (empty when
the value is good). The same rules, word for word, are in the Django and FastAPI apps."""

import re

CATEGORIES = ("tech", "life", "news")
USERNAME = re.compile(r"[a-z0-9_]{3,30}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def title_problems(value):
    if not isinstance(value, str) or not 5 <= len(value.strip()) <= 120:
        return ["Give a title of 5 to 120 characters."]
    if "spam" in value.casefold():
        return ["A title may not mention spam."]
    return []


def body_problems(value):
    if not isinstance(value, str) or not value.strip() or len(value) > 10_000:
        return ["Give a body of 1 to 10,000 characters."]
    return []


def category_problems(value):
    if value not in CATEGORIES:
        return [f"Choose one of {', '.join(CATEGORIES)}."]
    return []


POST_RULES = {"title": title_problems, "body": body_problems, "category": category_problems}


def user_problems(data):
    """The problems of a registration, by field."""
    problems = {}
    if not isinstance(data.get("username"), str) or not USERNAME.fullmatch(data["username"]):
        problems["username"] = ["3 to 30 of a-z, 0-9 and _."]
    email = data.get("email")
    if not isinstance(email, str) or len(email) > 254 or not EMAIL.fullmatch(email):
        problems["email"] = ["Give an email address like ada@example.com."]
    password = data.get("password")
    if not isinstance(password, str) or not 8 <= len(password) <= 128:
        problems["password"] = ["8 to 128 characters."]
    return problems
