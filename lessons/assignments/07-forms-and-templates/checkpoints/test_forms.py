"""a07 · Form Handling & Jinja2 Templates: the sign-up form, its rules, and its pages."""

import random
import re
import string

from mission_control.check import checkpoint, expect, expect_equal, fail, html_page

ATTACK = "<script>alert(1)</script>"
FORM_HINT = (
    "Render templates/index.html with `render_template`; each field needs a `<label for>` "
    'naming its input\'s id, and the <form> needs `method="post"` and `novalidate`.'
)
ERROR_HINT = (
    "On a failed rule, render the form again with `render_template(...), 422`, pass the typed "
    'values and one message per field, and let your field macro add `aria-invalid="true"` '
    "and `aria-describedby` naming the id of the message's element."
)
COUNT = re.compile(r"\b(\d+) subscribers?\b")


def word(length=8):
    """Letters only, so a name or address never adds a number to the subscribers page."""
    return "".join(random.choices(string.ascii_lowercase, k=length))


def new_person():
    """A name and an address nobody has subscribed with yet."""
    name = f"Ana {word().capitalize()}"
    return name, f"{word()}@example.com"


def subscribe(client, name, email):
    return client.post("/subscribe", data={"name": name, "email": email})


def expect_refused(client, data, failed, kept, hint=ERROR_HINT):
    """POST ``data``; fail unless the answer is the form again with 422, a message tied to
    each field in ``failed`` (and to no other), and the values in ``kept`` still typed in."""
    r = client.post("/subscribe", data=data)
    page = html_page(r, 422, hint=hint)
    for name in ("name", "email"):
        field = page.field(name)
        if field is None:
            fail(
                f'expected the form again with an input name="{name}", not a page without one',
                hint=hint,
                response=r,
            )
        invalid = field.get("aria-invalid") == "true"
        if name in failed:
            expect(
                invalid,
                f'the {name} input to have aria-invalid="true"',
                f"<input {_attrs(field)}>",
                hint=hint,
                response=r,
            )
            message = page.description(field)
            expect(
                message,
                f"a message for {name}, its element's id in the input's aria-describedby",
                f"<input {_attrs(field)}> and no such message",
                hint=hint,
                response=r,
            )
        else:
            expect(
                not invalid,
                f"the {name} input not marked invalid (its value was fine)",
                f"<input {_attrs(field)}>",
                hint=hint,
                response=r,
            )
        if name in kept:
            expect_equal(
                field.get("value", ""),
                kept[name],
                f"the {name} kept in its input",
                hint="Pass what was typed back to the template and put it in each "
                "input's value attribute.",
                response=r,
            )
    return r


def _attrs(field):
    return " ".join(f'{k}="{v}"' for k, v in field.items() if not k.startswith("_"))


@checkpoint("form-page", hint=FORM_HINT)
def test_form_page(client):
    """GET / shows the form: name and email, each with a visible <label for>, and novalidate"""
    r = client.get("/")
    page = html_page(r, hint=FORM_HINT)
    forms = [form for form in page.forms if form["attrs"].get("method", "").lower() == "post"]
    expect(forms, 'a <form method="post">', "no such form", response=r)
    form = forms[0]
    expect(
        "novalidate" in form["attrs"],
        "the <form> to have the novalidate attribute",
        f"<form {_attrs(form['attrs'])}>",
        response=r,
    )
    for name in ("name", "email"):
        field = page.field(name)
        expect(field is not None, f'an input name="{name}"', "none", response=r)
        expect(
            field.get("id") and field["id"] in page.label_targets,
            f'a <label for="..."> naming the {name} input\'s id',
            f"<input {_attrs(field)}> and labels for {sorted(page.label_targets) or 'nothing'}",
            response=r,
        )


@checkpoint("subscribe-ok", hint="Answer the success page (200) naming the new subscriber.")
def test_subscribe_ok(client):
    """A valid sign-up answers 200 with a page naming the new subscriber"""
    name, email = new_person()
    r = subscribe(client, f"  {name}  ", email)
    page = html_page(r, 200)
    expect(name in page.text, f"the page to name {name!r}", page.shown_text(), response=r)


@checkpoint("name-rules", hint=ERROR_HINT)
def test_name_rules(client):
    """A name under 2 or over 100 characters (trimmed) gets 422, its message, the email kept"""
    for bad in ("A", "   A   ", "", "x" * 101):
        _, email = new_person()
        expect_refused(client, {"name": bad, "email": email}, {"name"}, {"email": email})
    _, email = new_person()
    expect_refused(client, {"email": email}, {"name"}, {"email": email})  # no name at all
    _name, email = new_person()
    html_page(
        subscribe(client, "  " + "y" * 100 + " ", email),
        200,
        hint="A name of 100 characters once trimmed is fine.",
    )


@checkpoint("email-rules", hint=ERROR_HINT)
def test_email_rules(client):
    """An implausible email gets 422, its message beside it, and the name kept"""
    name, _ = new_person()
    for bad in (
        "invalid",
        "ana@example",
        "ana smith@example.com",
        "ana@@example.com",
        "@example.com",
        "a" * 243 + "@example.com",
    ):
        expect_refused(client, {"name": name, "email": bad}, {"email"}, {"name": name})
    expect_refused(client, {"name": name}, {"email"}, {"name": name})  # no email at all
    fits = word(242) + "@example.com"  # 254 characters
    html_page(
        subscribe(client, name, fits), 200, hint="An address of 254 characters is still allowed."
    )


@checkpoint("both-fields-wrong", hint=ERROR_HINT)
def test_both_fields_wrong(client):
    """With both fields wrong, each gets its own message tied to it"""
    expect_refused(
        client,
        {"name": "A", "email": "invalid"},
        {"name", "email"},
        {"name": "A", "email": "invalid"},
    )


@checkpoint("duplicate-email", hint="Compare addresses with .lower() before adding one.")
def test_duplicate_email(client):
    """An address already subscribed, in any case, gets 422 and a message beside the email"""
    name, email = new_person()
    html_page(subscribe(client, name, email), 200)
    expect_refused(
        client,
        {"name": "Bob Other", "email": email.upper()},
        {"email"},
        {"name": "Bob Other"},
        hint="Compare addresses with .lower(): Ana@Example.com is ana@example.com.",
    )


@checkpoint(
    "subscribers-newest-first",
    hint="Reverse the list (or sort newest first) and "
    "show `{{ subscribers | length }} subscribers`.",
)
def test_subscribers_newest_first(client):
    """GET /subscribers lists the subscribers newest first, with their count"""
    before = html_page(client.get("/subscribers"))
    counted = COUNT.search(before.text)
    expect(counted, 'the page to say how many there are ("3 subscribers")', before.shown_text())
    first, second = new_person(), new_person()
    html_page(subscribe(client, *first), 200)
    html_page(subscribe(client, *second), 200)
    r = client.get("/subscribers")
    page = html_page(r)
    text = page.text
    for name, _ in (first, second):
        expect(name in text, f"the list to show {name!r}", page.shown_text(), response=r)
    expect(
        text.index(second[0]) < text.index(first[0]),
        f"{second[0]!r} (subscribed last) before {first[0]!r}",
        "the other way round",
        response=r,
    )
    after = COUNT.search(text)
    wanted = int(counted.group(1)) + 2
    expect(
        after and int(after.group(1)) == wanted,
        f'the count to say "{wanted} subscribers"',
        repr(after.group(0)) if after else "no count",
        response=r,
    )


@checkpoint(
    "count-one-subscriber",
    hint='Say "subscriber" for exactly one and "subscribers" otherwise, for example '
    '`{{ "subscriber" if subscribers | length == 1 else "subscribers" }}`; keep the list '
    "in a module-level list, not in a file or a database.",
)
def test_count_one_subscriber(client, restart_app):
    """Restarted, the app has no subscribers ("0 subscribers"); after one sign-up the page
    says "1 subscriber" """
    restart_app()
    r = client.get("/subscribers")
    empty = COUNT.search(html_page(r).text)
    expect(
        empty is not None and empty.group(0) == "0 subscribers",
        'after a restart, "0 subscribers": the list lives in memory while the server runs',
        repr(empty.group(0)) if empty else "no count",
        response=r,
    )
    html_page(subscribe(client, *new_person()), 200)
    r = client.get("/subscribers")
    one = COUNT.search(html_page(r).text)
    expect(
        one is not None and one.group(0) == "1 subscriber",
        'with one subscriber, the count "1 subscriber" (singular)',
        repr(one.group(0)) if one else "no count",
        response=r,
    )


@checkpoint("escaped", hint="Let Jinja2 escape: never `|safe` or Markup() on what a learner typed.")
def test_escaped(client):
    """A name with markup shows as text on every page where it appears"""
    _, email = new_person()
    r = client.post("/subscribe", data={"name": ATTACK, "email": "invalid"})
    text = r.data.decode(errors="replace")
    expect(
        ATTACK not in text, f"{ATTACK} escaped in the form's value", "it as a real tag", response=r
    )
    r = subscribe(client, ATTACK, email)
    text = html_page(r, 200).text
    expect(
        ATTACK in text and ATTACK not in r.text,
        f"the success page to show {ATTACK} as text",
        "it as a real tag" if ATTACK in r.text else "it not shown",
        response=r,
    )
    r = client.get("/subscribers")
    expect(
        ATTACK in html_page(r).text and ATTACK not in r.text,
        f"the subscribers page to show {ATTACK} as text",
        "it as a real tag" if ATTACK in r.text else "it not shown",
        response=r,
    )


@checkpoint("browser-walkthrough", hint=ERROR_HINT, requires="form-page")
def test_browser_walkthrough(page):
    """In a browser: a valid sign-up shows the success page; name "A" and email "invalid"
    show their errors, each read by a screen reader as the description of its input"""
    tab = page.open("/", name="sign-up")
    name, email = new_person()
    tab.fill("input[name=name]", name)
    tab.fill("input[name=email]", email)
    expect_equal(tab.submit("form [type=submit], form button"), 200, "the status after a sign-up")
    tab.wait_for_text(name)

    tab.goto("/")
    _, email = new_person()
    tab.fill("input[name=name]", "A")
    tab.fill("input[name=email]", email)
    expect_equal(tab.submit("form [type=submit], form button"), 422, "the status for name A")
    expect_equal(tab.attribute("input[name=email]", "value"), email, "the email kept")
    described = tab.accessible_description("input[name=name]")
    if not described:
        tab.fail(
            "the name input's accessible description (aria-describedby) to hold its error",
            "input[name=name]",
        )
    tab.wait_for_text(described)  # shown next to it, not only read out

    tab.fill("input[name=name]", name)
    tab.fill("input[name=email]", "invalid")
    expect_equal(tab.submit("form [type=submit], form button"), 422, "the status for email invalid")
    expect_equal(tab.attribute("input[name=name]", "value"), name, "the name kept")
    if not tab.accessible_description("input[name=email]"):
        tab.fail(
            "the email input's accessible description (aria-describedby) to hold its error",
            "input[name=email]",
        )
