"""Checkpoints for a04 · Task Manager with Background Tasks.

Each one creates the tasks it needs (unique title, unique e-mail) and finds them by id, so
they pass in any order and against a server that already holds data. Waiting for a
notification is a bounded poll: long enough for the 5 s default of NOTIFY_DELAY when you
check a server you started yourself (`--url`); `mission check a04` sets NOTIFY_DELAY=2.
"""

import re
import time
import uuid

from mission_control.check import (
    checkpoint,
    expect,
    expect_equal,
    expect_not_json_415,
    expect_object_required,
    fail,
    same_path,
)

MISSING = 2_000_000_000  # an id no server will have handed out
WAIT = 15.0  # seconds to wait for a notification, at most
STATES = ("none", "pending", "sent")
#: Half the NOTIFY_DELAY=2 that `mission check a04` sets: a GET later than this after the
#: answer may rightly see "sent", so it proves nothing about "pending".
SLOW_MACHINE = 1.0

CREATE_HINT = (
    "In create_task, validate the body, store the task under the next id with "
    '"completed": False and "notification": "none", and answer '
    '`return jsonify(task), 201, {"Location": url_for("get_task", task_id=...)}`.'
)
COMPLETE_HINT = (
    'In complete_task, set "completed" to True and "notification" to "pending", start the '
    "thread with `threading.Thread(target=send_notification, args=(...), daemon=True)"
    ".start()` and return the task right away: the thread does the waiting, not the view."
)
SENT_HINT = (
    'send_notification must set the task\'s "notification" to "sent" (holding the lock) '
    "once it has logged the e-mail: is your thread started, and does it find the task by id?"
)
LOG_HINT = (
    "Log with `app.logger.info(\"Notification SENT to %s: task '%s' completed.\", email, "
    "title)` after the sleep, and keep `app.logger.setLevel(logging.INFO)`: without it Flask's "
    "logger drops INFO lines."
)


def unique() -> str:
    return uuid.uuid4().hex[:8]


def expect_task(task, response):
    """Fail unless ``task`` has the shape of a task."""
    ok = (
        isinstance(task, dict)
        and isinstance(task.get("id"), int)
        and not isinstance(task.get("id"), bool)
        and task["id"] >= 1
        and isinstance(task.get("title"), str)
        and isinstance(task.get("user_email"), str)
        and isinstance(task.get("completed"), bool)
        and task.get("notification") in STATES
    )
    expect(
        ok,
        'a task like {"id": 1, "title": "Write report", "user_email": "ada@example.com", '
        '"completed": false, "notification": "none"}',
        repr(task),
        response=response,
    )
    return task


def create(client, title="Write report"):
    """POST a new task with a unique title and e-mail; return it."""
    token = unique()
    body = {"title": f"{title} {token}", "user_email": f"ada.{token}@example.com"}
    r = client.post("/tasks", json=body)
    r.expect_status(201, hint=CREATE_HINT)
    return expect_task(r.expect_json(dict, hint=CREATE_HINT), r)


def complete(client, task):
    """Complete ``task``; fail unless it answers 200 with the task, completed."""
    r = client.post(f"/tasks/{task['id']}/complete")
    r.expect_status(200, hint=COMPLETE_HINT)
    done = expect_task(r.expect_json(dict, hint=COMPLETE_HINT), r)
    expect_equal(done["completed"], True, '"completed" after completing', response=r)
    return done, r


def wait_for_notification(client, task, state="sent"):
    """Poll GET /tasks/<id> until its notification is ``state`` (at most WAIT seconds)."""
    deadline = time.monotonic() + WAIT
    while True:
        r = client.get(f"/tasks/{task['id']}")
        r.expect_status(200)
        current = expect_task(r.expect_json(dict), r)
        if current["notification"] == state or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    expect_equal(
        current["notification"],
        state,
        f'"notification" of task {task["id"]} after waiting up to {WAIT:g} s',
        hint=SENT_HINT,
        response=r,
    )
    return current


def expect_logged(app_log, task, timeout: float = WAIT) -> None:
    """Wait (at most ``timeout`` seconds) for the notification line of ``task``; fail with
    what the app printed instead if it never comes."""
    if app_log.wait_for(sent_line(task), timeout=timeout) is not None:
        return
    expected = f"Notification SENT to {task['user_email']}: task '{task['title']}' completed."
    printed = "\n".join(app_log.lines[-8:]) or "(nothing)"
    fail(
        f"expected your app to log\n  {expected}\nwithin {WAIT:g} s of completing task "
        f"{task['id']}, but it did not. What it printed meanwhile:\n{printed}",
        hint=LOG_HINT,
    )


def sent_line(task) -> str:
    """The log line the notification of ``task`` must leave, as a regular expression."""
    return (
        rf"Notification SENT to {re.escape(task['user_email'])}: "
        rf"task '{re.escape(task['title'])}' completed\."
    )


@checkpoint("create-task", hint=CREATE_HINT)
def test_create_task(client):
    """POST /tasks creates a task: 201, the task as JSON (not completed, no notification
    yet) and a Location header"""
    token = unique()
    body = {"title": f"Write report {token}", "user_email": f"ada.{token}@example.com"}
    r = client.post("/tasks", json=body)
    r.expect_status(201)
    task = expect_task(r.expect_json(dict), r)
    expect_equal(task["title"], body["title"], "the title", response=r)
    expect_equal(task["user_email"], body["user_email"], "the user_email", response=r)
    expect_equal(task["completed"], False, '"completed" of a new task', response=r)
    expect_equal(task["notification"], "none", '"notification" of a new task', response=r)
    r.expect_header(
        "Location",
        lambda value: same_path(value, f"/tasks/{task['id']}"),
        expected=f"/tasks/{task['id']}",
        hint="Add the header with `url_for('get_task', task_id=task['id'])`.",
    )


@checkpoint(
    "create-validates-title",
    hint="Check that title is a str and that len(title.strip()) is from 1 to 200; store it "
    "stripped; otherwise abort(400, description=...).",
)
def test_create_validates_title(client):
    """POST /tasks answers 400 with a JSON error for a missing, blank, too long or non-text
    title, and stores a good title without surrounding spaces"""
    email = f"grace.{unique()}@example.com"
    for title in (..., "", "   ", "x" * 201, 42, None, ["Write report"]):
        body = {"user_email": email} if title is ... else {"title": title, "user_email": email}
        client.post("/tasks", json=body).expect_error(400)
    r = client.post("/tasks", json={"title": "y" * 200, "user_email": email})
    r.expect_status(201, hint="A title of exactly 200 characters is allowed.")
    title = f"Plan the trip {unique()}"
    r = client.post("/tasks", json={"title": f"  {title} ", "user_email": email})
    r.expect_status(201)
    expect_equal(r.expect_json(dict).get("title"), title, "the stored title", response=r)


@checkpoint(
    "create-validates-email",
    hint="user_email must be a str of at most 254 characters and EMAIL.fullmatch(user_email) "
    "must match (one @, no spaces, a dot after the @); otherwise abort(400, ...).",
)
def test_create_validates_email(client):
    """POST /tasks answers 400 with a JSON error unless user_email is a plausible e-mail
    address"""
    title = f"Call the bank {unique()}"
    for email in (
        ...,
        "",
        "ada",
        "ada@",
        "@example.com",
        "ada@example",
        "ada lovelace@example.com",
        "ada@exa mple.com",
        "ada@@example.com",
        "ada@example.com@example.org",
        "a" * 243 + "@example.com",  # 255 characters
        42,
        None,
        ["ada@example.com"],
    ):
        body = {"title": title} if email is ... else {"title": title, "user_email": email}
        client.post("/tasks", json=body).expect_error(400)
    for email in (f"first.last+{unique()}@mail.example.org", "a" * 242 + "@example.com"):
        r = client.post("/tasks", json={"title": title, "user_email": email})
        r.expect_status(201, hint=f"{email!r} is a plausible address ({len(email)} characters).")


@checkpoint(
    "create-needs-json-object",
    hint="json_body() gives you a dict or aborts: request.get_json() raises 415 when the body "
    "is not sent as application/json, and a list or a string is not a task.",
)
def test_create_needs_json_object(client):
    """POST /tasks answers 400 when the JSON body is not an object (or is nested 100,000
    levels deep), and 415 when it is not JSON at all, both as JSON errors"""
    expect_object_required(
        client, "/tasks", (["Write report", "ada@example.com"], "Write report", 7)
    )
    deep = '{"title": ' * 100_000 + '"x"' + "}" * 100_000  # RecursionError in the parser
    r = client.post("/tasks", data=deep, headers={"Content-Type": "application/json"})
    if r.status_code != 400:
        fail(
            f"expected 400 Bad Request for JSON nested 100,000 levels deep, not {r.status_line}",
            hint="request.get_json() raises RecursionError (not a ValueError) for JSON nested "
            "that deep: catch it and abort(400).",
            response=r,
        )
    r.expect_error(400)
    expect_not_json_415(
        client, "/tasks", {"title": "Write report", "user_email": "ada@example.com"}
    )


@checkpoint("get-task", requires="create-task", hint="Look the id up in tasks and jsonify it.")
def test_get_task(client):
    """GET /tasks/<id> answers 200 with that task"""
    task = create(client)
    r = client.get(f"/tasks/{task['id']}")
    r.expect_status(200)
    expect_equal(r.expect_json(dict), task, f"task {task['id']}", response=r)


@checkpoint(
    "unknown-task-404",
    hint="When the id is not in tasks, abort(404) in get_task and in complete_task; the JSON "
    "error handler does the rest.",
)
def test_unknown_task_404(client):
    """GET /tasks/<id> and POST /tasks/<id>/complete answer 404 with a JSON error for an id
    that does not exist"""
    client.get(f"/tasks/{MISSING}").expect_error(404)
    client.post(f"/tasks/{MISSING}/complete").expect_error(404)


@checkpoint(
    "id-ascii-digits-404",
    requires="create-task",
    hint="Flask's int converter matches \\d, which takes any script's digits, and int('١') is "
    '1: register a subclass of werkzeug.routing.IntegerConverter with regex = r"[0-9]+" as '
    'app.url_map.converters["int"] before your routes.',
)
def test_id_ascii_digits_404(client):
    """A task id written in other digits (/tasks/١, Arabic-Indic; full-width １) answers 404
    to GET and to complete, and the task is left as it was"""
    task = create(client, "Written in ASCII digits")
    for digits, script in (("٠١٢٣٤٥٦٧٨٩", "Arabic-Indic"), ("０１２３４５６７８９", "full-width")):
        other = str(task["id"]).translate(str.maketrans("0123456789", digits))
        for method, path in (("GET", f"/tasks/{other}"), ("POST", f"/tasks/{other}/complete")):
            r = client.request(method, path)
            if r.status_code != 404:
                fail(
                    f"expected 404 Not Found for {method} {path} (task {task['id']} in "
                    f"{script} digits), not {r.status_line}",
                    response=r,
                )
            r.expect_error(404)
    r = client.get(f"/tasks/{task['id']}")
    r.expect_status(200)
    expect_equal(r.expect_json(dict), task, f"task {task['id']} afterwards", response=r)


@checkpoint("complete-answers-at-once", requires="create-task", hint=COMPLETE_HINT)
def test_complete_answers_at_once(client):
    """POST /tasks/<id>/complete answers 200 at once with the task completed and its
    notification "pending": the e-mail is not sent yet"""
    task = create(client, "Submit homework")
    done, r = complete(client, task)
    expect_equal(done["id"], task["id"], "the id", response=r)
    expect_equal(done["title"], task["title"], "the title", response=r)
    expect_equal(done["user_email"], task["user_email"], "the user_email", response=r)
    expect_equal(
        done["notification"],
        "pending",
        '"notification" in the answer to complete',
        hint='The answer must come before the e-mail is sent, so it says "pending". "sent" '
        "here means the view waited for the notification itself: let a thread do it.",
        response=r,
    )
    answered = time.monotonic()
    r = client.get(f"/tasks/{task['id']}")
    r.expect_status(200)
    now = expect_task(r.expect_json(dict), r)
    expect_equal(now["completed"], True, '"completed" right after completing', response=r)
    if now["notification"] == "sent" and time.monotonic() - answered >= SLOW_MACHINE:
        return  # so late that a correct app may have finished its wait: nothing to tell
    expect_equal(
        now["notification"],
        "pending",
        '"notification" right after completing',
        hint='Set "notification" to "pending" in the view, and to "sent" only in the thread, '
        "after its sleep(NOTIFY_DELAY).",
        response=r,
    )


@checkpoint("notification-sent-later", requires="complete-answers-at-once", hint=SENT_HINT)
def test_notification_sent_later(client):
    """After NOTIFY_DELAY seconds the background thread marks the notification "sent";
    a task nobody completed keeps "none"
    """
    idle = create(client, "Someday")
    task = create(client, "Water the plants")
    complete(client, task)
    sent = wait_for_notification(client, task)
    expect_equal(sent["completed"], True, '"completed" once the e-mail is sent')
    r = client.get(f"/tasks/{idle['id']}")
    r.expect_status(200)
    expect_equal(
        r.expect_json(dict).get("notification"),
        "none",
        f'"notification" of task {idle["id"]}, which was never completed',
        hint="Only completing a task starts a notification.",
        response=r,
    )


@checkpoint("notification-logged", requires="complete-answers-at-once", hint=LOG_HINT)
def test_notification_logged(client, app_log):
    """The thread logs "Notification SENT to <email>: task '<title>' completed." after the
    answer, not before it"""
    task = create(client, "Book the dentist")
    started = time.monotonic()
    complete(client, task)
    pattern = re.compile(sent_line(task))
    early = [line for line in app_log.lines if pattern.search(line)]
    expect(
        not early,
        "no notification logged yet when complete answered",
        f"already logged: {early[0]!r}" if early else None,
        hint="The view must not wait for the e-mail: the thread sleeps, then logs.",
    )
    expect_logged(app_log, task)
    logged = time.monotonic() - started
    wait_for_notification(client, task)
    delay = time.monotonic() - started
    # The line comes after the NOTIFY_DELAY sleep, just before "sent": a line logged before
    # the sleep comes a whole delay earlier. Half the delay the app itself took is the
    # margin, so no clock or setting of the checker's decides it.
    expect(
        logged >= delay / 2,
        f'the notification logged after the {delay:.1f} s wait, as "notification" became "sent"',
        f'logged {logged:.1f} s after completing, {delay - logged:.1f} s before "sent"',
        hint="In send_notification, call `time.sleep(NOTIFY_DELAY)` first, then log, then "
        'set "sent".',
    )
    expect_logged_by_flask(app_log, task)


def expect_logged_by_flask(app_log, task) -> None:
    """Fail unless the notification line of ``task`` came on standard error, at level INFO,
    after Flask's ``[time] INFO in <module>: `` prefix: what ``app.logger.info`` writes."""
    pattern = re.compile(sent_line(task))
    stream, text = next(
        ((stream, text) for stream, text in app_log.entries if pattern.search(text)),
        ("", ""),
    )
    expect(
        stream == "stderr",
        "the notification on standard error, where app.logger writes",
        f"on standard output: {text!r}",
        hint="`print` writes to standard output; log it with `app.logger.info(...)`.",
    )
    prefix = re.compile(r"^\[[^\]]+\] INFO in [\w.]+: " + sent_line(task))
    expect(
        bool(prefix.search(text)),
        "the line at level INFO, after Flask's prefix `[<time>] INFO in app: `",
        repr(text),
        hint=LOG_HINT,
    )


@checkpoint(
    "complete-twice-409",
    requires="complete-answers-at-once",
    hint='Before changing anything, `if task["completed"]: abort(409, description=...)`, '
    "and do it while holding the lock.",
)
def test_complete_twice_409(client):
    """Completing a completed task answers 409 with a JSON error, while its e-mail is pending
    and after it was sent, and changes nothing"""
    task = create(client, "Pay the rent")
    complete(client, task)
    client.post(f"/tasks/{task['id']}/complete").expect_error(409)
    sent = wait_for_notification(client, task)
    client.post(f"/tasks/{task['id']}/complete").expect_error(409)
    r = client.get(f"/tasks/{task['id']}")
    r.expect_status(200)
    expect_equal(r.expect_json(dict), sent, f"task {task['id']} after the refused completes")


@checkpoint(
    "one-notification-per-task",
    requires="create-task",
    hint="Refuse a second complete with 409 before you start a thread: one task, one e-mail.",
)
def test_one_notification_per_task(client, app_log):
    """Completing a task twice sends one e-mail, not two"""
    task = create(client, "Renew passport")
    started = time.monotonic()
    complete(client, task)
    client.post(f"/tasks/{task['id']}/complete")
    expect_logged(app_log, task)
    pattern = re.compile(sent_line(task))
    # A second thread would have started a moment after the first, so its line would
    # follow within moments: wait half the delay again, and a margin.
    deadline = time.monotonic() + (time.monotonic() - started) / 2 + 0.5
    sent = []
    while time.monotonic() < deadline:
        sent = [line for line in app_log.lines if pattern.search(line)]
        if len(sent) > 1:
            break
        time.sleep(0.1)
    expect(
        len(sent) == 1,
        f"one notification for task {task['id']}",
        f"{len(sent)}:\n" + "\n".join(sent),
    )


@checkpoint(
    "each-task-its-own-notification",
    requires="complete-answers-at-once",
    hint="Give each thread its own task's data with `args=(task_id, email, title)`; a thread "
    "that reads a shared variable later finds whatever the last request put there.",
)
def test_each_task_its_own_notification(client, app_log):
    """Two tasks completed one after the other each get their own e-mail, to their own
    address, with their own title"""
    first, second = create(client, "Feed the cat"), create(client, "Walk the dog")
    complete(client, first)
    complete(client, second)
    for task in (first, second):
        if app_log.wait_for(sent_line(task), timeout=WAIT) is None:
            sent = [line for line in app_log.lines if "notification sent" in line.lower()]
            if not sent or any(task["user_email"] in line for line in sent):
                expect_logged(app_log, task, timeout=0)  # not in the expected words
            fail(
                f"expected the notification of task {task['id']}: Notification SENT to "
                f"{task['user_email']}: task '{task['title']}' completed.\n"
                "The notifications logged:\n" + "\n".join(sent)
            )
