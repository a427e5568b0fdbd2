"""Checkpoints for d11 · Background tasks with Celery.

The checker runs your worker and beat beside the app (lesson.toml's processes) on a Redis
database of the check's own, and gives the app a fake mail server (MAIL_SERVER/MAIL_PORT)
whose messages these checkpoints read through `mailbox`. Each checkpoint registers its own
user (a name no other uses) and looks only at that user's mail, so they pass in any order on
a database that already holds users and posts, while beat mails digests to everyone.

Deadlines are generous (a loaded machine may take seconds to start a task); no checkpoint
waits a fixed time: it waits for a mail, or for the worker's own log to say a task ended.
"""

import re
import time
import uuid
from urllib.parse import urlsplit

from mission_control.check import Form, checkpoint, expect, expect_equal, fail, visit

PASSWORD = "correct horse battery"
API = "/api/v1"
MAIL_WAIT = 40  # seconds: a task on a busy machine, with retries of 1 s and 2 s
RECEIVE_WAIT = 15  # seconds for the worker to receive a task the app should have queued
WELCOME = "app.tasks.send_welcome_email"
STATES = ("PENDING", "STARTED", "SUCCESS")
MISSING_USER = 2_000_000_000
QUEUE_HINT = (
    "Queue the task with `send_welcome_email.delay(user.id)` right after the commit in the "
    "register view; the worker (`celery -A make_celery worker`) sends the mail through "
    'smtplib.SMTP(app.config["MAIL_SERVER"], app.config["MAIL_PORT"]).'
)
RETRY_HINT = (
    "Catch the temporary failure (an SMTP answer from 400 to 499) and `raise self.retry(exc="
    "exc, countdown=app.config['MAIL_RETRY_BACKOFF'] * 2 ** self.request.retries)` in a task "
    "declared with `bind=True, max_retries=4`."
)
IDEMPOTENT_HINT = (
    "Record the message (its key, e.g. welcome:<user id>) as sent the moment the server "
    "accepted it, inside the `with smtplib.SMTP(...)` block, before QUIT; a task that runs "
    "again finds the record and sends nothing."
)
REPORT_HINT = (
    "POST /reports: store the task id with the user, `send_report.apply_async(args=[user.id], "
    "task_id=task_id)`, answer 202 with Location: /reports/<task_id>."
)
STATUS_HINT = (
    "GET /reports/<task_id>: look the id up among the reports this user asked for (404 if it "
    'is not one), then `{"state": result.state}` with "result" when it succeeded.'
)
DIGEST_HINT = (
    "send_digest: for each user, the posts created after their last digest (keep it on the "
    "user), one mail listing their titles, then move the bookmark in the same commit as the "
    "record of the mail; beat runs it every DIGEST_INTERVAL seconds."
)


def unique(prefix="u"):
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def email_of(username):
    return f"{username}@example.com"


def register(client, username=None):
    """A new user through the register form of d08; the response of the POST."""
    username = username or unique()
    page = visit(client, "/auth/register", follow=False).expect_status(200).html()
    for element in page.select("form"):
        if element.select('[name="confirm"]'):
            values = {"username": username, "email": email_of(username)}
            values.update(password=PASSWORD, confirm=PASSWORD)
            return Form(element, page).submit(client, values).response
    fail("expected the register form of d08 on /auth/register")


def registered(client):
    username = unique()
    register(client, username).expect_status(302)
    return username


def logged_in(client):
    username = registered(client)
    page = visit(client, "/auth/login", follow=False).expect_status(200).html()
    values = {"email": email_of(username), "password": PASSWORD}
    done = page.form("form").submit(client, values, follow_redirects=False).response
    done.expect_status(302, 303)
    return username


def log_out(client):
    """The dashboard's logout form (d08), whose action is /auth/logout."""
    page = visit(client, "/dashboard").expect_status(200).html()
    for element in page.select("form"):
        if (element.attr("action") or "").endswith("/auth/logout"):
            Form(element, page).submit(client, {}, follow_redirects=False)
            return
    fail("expected the logout form of d08 on the dashboard")


def token_for(client, username):
    response = client.post(
        f"{API}/tokens", json={"email": email_of(username), "password": PASSWORD}
    )
    return response.expect_status(200).expect_json(dict)["access_token"]


def create_post(client, token, category="news"):
    post = {"title": unique("Post "), "body": "Some text.", "category": category, "tags": []}
    client.post(
        f"{API}/posts", json=post, headers={"Authorization": f"Bearer {token}"}
    ).expect_status(201)
    return post["title"]


def ask_for_report(client):
    """Send the dashboard's report form; the response, its Location and the task id."""
    page = visit(client, "/dashboard").expect_status(200).html()
    forms = [f for f in page.select("form") if (f.attr("action") or "").endswith("/reports")]
    expect(
        bool(forms),
        "a form on the dashboard whose action is /reports",
        "none",
        hint="Add a form with method post, action /reports and the CSRF token to the dashboard.",
    )
    response = Form(forms[0], page).submit(client, {}, follow_redirects=False).response
    response.expect_status(202, hint=REPORT_HINT)
    location = response.expect_header("Location", hint=REPORT_HINT)
    path = urlsplit(location).path
    found = re.fullmatch(r"/reports/([^/]+)", path)
    expect(
        found is not None,
        "Location: /reports/<task_id>",
        location,
        response=response,
        hint=REPORT_HINT,
    )
    assert found is not None
    return response, path, found.group(1)


def mails(mailbox, username, subject, what, count=1, hint=QUEUE_HINT, worker=None, task=None):
    """Wait for ``count`` mails to the user with that subject; fail, teaching, if none.

    With the worker's log and the task's name, the wait ends early when the log shows that
    no such task was received within RECEIVE_WAIT seconds, or that it ended (the mail is
    accepted before the task ends, so none will come)."""
    to = email_of(username)
    deadline = time.monotonic() + MAIL_WAIT
    started = time.monotonic()
    got = []
    while time.monotonic() < deadline:
        got = mailbox.wait_for(to=to, subject=subject, count=count, timeout=0.5)
        if len(got) >= count or worker is None:
            break
        lines = worker.lines
        received = set(re.findall(re.escape(task) + r"\[([^\]]+)\] received", "\n".join(lines)))
        if not received:
            if time.monotonic() - started > RECEIVE_WAIT:
                fail(
                    f"expected {what} to {to}, but within {RECEIVE_WAIT} s the worker did not "
                    f"even receive the task {task}; its last lines:\n"
                    + ("\n".join(lines[-6:]) or "(nothing)"),
                    hint=hint,
                )
        elif any(
            re.search(re.escape(f"{task}[{task_id}]") + r" (succeeded|raised)", line)
            for line in lines
            for task_id in received
        ):  # a task received during this checkpoint ended: the mail was accepted before
            got = mailbox.find(to=to, subject=subject)
            break
    if len(got) < count:
        others = ", ".join(m.describe() for m in mailbox.messages[-5:]) or "no mail at all"
        fail(
            f"expected {what} to {email_of(username)} within {MAIL_WAIT} s (a subject "
            f"matching /{subject}/i), but it did not arrive; the mail server's last messages: "
            f"{others}. Is the worker running, and does the app use MAIL_SERVER/MAIL_PORT?",
            hint=hint,
        )
    return got


def wait_for_line(log, pattern, what, timeout=MAIL_WAIT, hint=QUEUE_HINT):
    line = log.wait_for(pattern, timeout=timeout)
    if line is None:
        tail = "\n".join(log.lines[-8:]) or "(nothing)"
        fail(
            f"expected the worker's log to show {what} within {timeout} s; its last lines:\n{tail}",
            hint=hint,
        )
    return line


def wait_task_end(log, task, what, hint):
    """Wait until a ``task`` the worker received during this checkpoint has ended (the
    worker logs ``succeeded`` or ``raised`` with its id); that line."""
    deadline = time.monotonic() + MAIL_WAIT
    while time.monotonic() < deadline:
        text = "\n".join(log.lines)
        for task_id in set(re.findall(re.escape(task) + r"\[([^\]]+)\] received", text)):
            found = re.search(re.escape(f"{task}[{task_id}]") + r" (succeeded|raised).*", text)
            if found:
                return found.group(0)
        time.sleep(0.2)
    fail(
        f"expected the worker's log to show {what} within {MAIL_WAIT} s; its last lines:\n"
        + ("\n".join(log.lines[-8:]) or "(nothing)"),
        hint=hint,
    )


def count_since(log, pattern, start):
    return sum(1 for line in log.lines[start:] if re.search(pattern, line))


# -- the welcome mail ----------------------------------------------------------------------


@checkpoint("welcome-mail", hint=QUEUE_HINT)
def test_welcome_mail(client, mailbox, process_log):
    """Registering queues a welcome email: it reaches the new user, subject "Welcome...",
    their username in the body"""
    worker = process_log("worker")
    username = registered(client)
    mail = mails(mailbox, username, r"welcome", "a welcome email", worker=worker, task=WELCOME)[0]
    expect(
        username in mail.body,
        f"the welcome email's body to name the user ({username})",
        repr(mail.body[:200]),
    )


@checkpoint("welcome-after-response", hint=QUEUE_HINT, requires="welcome-mail")
def test_welcome_after_response(client, mailbox, process_log):
    """The register page answers before the mail is sent (the mail server here takes 3 s
    to accept it)"""
    username = unique()
    mailbox.slow_down(3, to=email_of(username))
    response = register(client, username)
    answered = time.monotonic()
    response.expect_status(302)
    worker = process_log("worker")
    mail = mails(mailbox, username, r"welcome", "a welcome email", worker=worker, task=WELCOME)[0]
    expect(
        mail.at > answered,
        "the register page's answer first, the mail later (sent by the worker)",
        f"the page answered {answered - mail.at:.1f} s after the mail server accepted the mail: "
        "the view waited for the mail to be sent",
        response=response,
        hint="Do not send mail in the view (not even through the task called directly, "
        "`send_welcome_email(user.id)`): queue it with `.delay(...)`.",
    )


@checkpoint("mail-retries", hint=RETRY_HINT, requires="welcome-mail")
def test_mail_retries(client, mailbox, process_log):
    """Two temporary failures (SMTP 451), then the mail is accepted: exactly one welcome
    email, after the retries"""
    username = unique()
    worker = process_log("worker")
    before = mailbox.refused
    mailbox.refuse_next(2, to=email_of(username))
    register(client, username).expect_status(302)
    mails(
        mailbox,
        username,
        r"welcome",
        "the welcome email, on the third try",
        hint=RETRY_HINT,
        worker=worker,
        task=WELCOME,
    )
    wait_task_end(worker, WELCOME, "the welcome task ended", RETRY_HINT)
    expect_equal(mailbox.refused - before, 2, "the deliveries the mail server refused (451)")
    got = mailbox.find(to=email_of(username), subject="welcome")
    expect_equal(len(got), 1, "welcome emails received after two refusals and one success")


@checkpoint("no-double-delivery", hint=IDEMPOTENT_HINT, requires="welcome-mail")
def test_no_double_delivery(client, mailbox, process_log):
    """A mail the server accepted is never sent again, even when the connection fails after
    it (QUIT answered 421) and the task is retried"""
    username = unique()
    worker = process_log("worker")
    mailbox.fail_quit_after_next(1, to=email_of(username))
    register(client, username).expect_status(302)
    mails(
        mailbox,
        username,
        r"welcome",
        "the welcome email",
        hint=IDEMPOTENT_HINT,
        worker=worker,
        task=WELCOME,
    )
    wait_task_end(worker, WELCOME, "the welcome task ended (succeeded, or raised)", IDEMPOTENT_HINT)
    got = mailbox.find(to=email_of(username), subject="welcome")
    expect_equal(len(got), 1, "welcome emails received (the first was accepted)")


@checkpoint("missing-user-not-retried")
def test_missing_user_not_retried(run_command, process_log):
    """A welcome task for a user who does not exist ends at once, without retrying, and
    its log says why (the user id)"""
    worker = process_log("worker")
    done = run_command(
        f"celery -A make_celery call app.tasks.send_welcome_email --args='[{MISSING_USER}]'",
        timeout=60,
    )
    expect(
        done.exit_code == 0,
        "`celery -A make_celery call app.tasks.send_welcome_email --args=...` to queue the task",
        done.output[-600:],
        hint="The task must be app.tasks.send_welcome_email, in a Celery app make_celery.py "
        "builds.",
    )
    task_id = done.stdout.strip().splitlines()[-1].strip() if done.stdout.strip() else ""
    line = wait_for_line(
        worker,
        re.escape(task_id) + r"\] (succeeded|raised|retry)",
        f"the task {task_id} end",
    )
    expect(
        "retry" not in line,
        "the task to end without a retry (the user will not come back)",
        line,
        hint="When db.session.get(User, user_id) is None, log why and return: no retry.",
    )
    said = [text for text in worker.lines if str(MISSING_USER) in text]
    expect(
        bool(said),
        f"a log line that names the missing user ({MISSING_USER})",
        "none in the worker's log",
        hint='logger.warning("user %s no longer exists", user_id), with get_task_logger.',
    )


# -- reports -------------------------------------------------------------------------------


@checkpoint("report-accepted", hint=REPORT_HINT)
def test_report_accepted(client):
    """The dashboard's form POSTs /reports: 202 with Location /reports/<task_id>, whose GET
    is JSON with a state; an anonymous POST gets no 202"""
    anonymous = client.post("/reports")
    expect(
        anonymous.status_code != 202 and anonymous.status_code < 500,
        "POST /reports without logging in to be refused (a redirect to the login, 400 or 401)",
        str(anonymous.status_code),
        response=anonymous,
        hint="Put @login_required on the view.",
    )
    logged_in(client)
    _, path, _ = ask_for_report(client)
    state = client.get(path).expect_status(200, hint=STATUS_HINT).expect_json(dict)
    expect(
        state.get("state") in (*STATES, "FAILURE"),
        f'"state" to be one of {", ".join(STATES)} or FAILURE',
        repr(state.get("state")),
        hint=STATUS_HINT,
    )


@checkpoint("report-succeeds", hint=STATUS_HINT, requires="report-accepted")
def test_report_succeeds(client, mailbox):
    """The report's state goes PENDING → STARTED → SUCCESS with the post count per category
    as "result", and the report is mailed to the user"""
    username = logged_in(client)
    token = token_for(client, username)
    for category in ("tech", "tech", "life"):
        create_post(client, token, category)
    _, path, _ = ask_for_report(client)
    seen = []
    body = {}
    deadline = time.monotonic() + MAIL_WAIT
    while time.monotonic() < deadline:
        response = client.get(path).expect_status(200)
        body = response.expect_json(dict)
        state = body.get("state")
        if not seen or seen[-1] != state:
            seen.append(state)
        expect(
            state in STATES,
            f"a state among {', '.join(STATES)}",
            repr(state),
            response=response,
            hint=STATUS_HINT,
        )
        if state == "SUCCESS":
            break
        time.sleep(0.2)
    expect(
        [STATES.index(s) for s in seen] == sorted(STATES.index(s) for s in seen),
        "states that only move forward (PENDING, STARTED, SUCCESS)",
        " → ".join(map(str, seen)),
        hint=STATUS_HINT + " Set task_track_started for STARTED.",
    )
    expect_equal(seen[-1], "SUCCESS", f"the state within {MAIL_WAIT} s", hint=STATUS_HINT)
    expect_equal(
        body.get("result"),
        {"tech": 2, "life": 1, "news": 0},
        'the "result" (this user\'s posts per category)',
        hint="Count with select(Post.category, func.count()).group_by(...), every category "
        "in the dict, and return it from the task (ignore_result=False).",
    )
    mail = mails(mailbox, username, r"report", "the report email", hint=REPORT_HINT)[0]
    for line in ("tech: 2", "life: 1", "news: 0"):
        expect(line in mail.body, f"the report email to say {line!r}", repr(mail.body[:300]))


@checkpoint("report-unknown-404", hint=STATUS_HINT, requires="report-accepted")
def test_report_unknown(client):
    """GET /reports/<task_id> is 404 for an id the app never gave out, and for another
    user's report"""
    logged_in(client)
    _, theirs, _ = ask_for_report(client)
    client.get(f"/reports/{uuid.uuid4()}").expect_status(404, hint=STATUS_HINT)
    log_out(client)
    logged_in(client)  # another user
    client.get(theirs).expect_status(404, hint=STATUS_HINT + " (This one is another user's.)")


@checkpoint("worker-logs", requires="report-accepted")
def test_worker_logs(client, process_log):
    """The worker's log shows each task received and succeeded, with its id"""
    worker = process_log("worker")
    logged_in(client)
    _, _, task_id = ask_for_report(client)
    hint = "Start the worker with --loglevel=info: Celery then logs every task it receives."
    wait_for_line(
        worker, re.escape(task_id) + r"\] received", f"task {task_id} received", hint=hint
    )
    wait_for_line(
        worker, re.escape(task_id) + r"\] succeeded", f"task {task_id} succeeded", hint=hint
    )


# -- the digest ------------------------------------------------------------------------------


@checkpoint("digest-once-per-post", hint=DIGEST_HINT)
def test_digest_once_per_post(client, mailbox, process_log):
    """Beat runs send_digest every DIGEST_INTERVAL seconds (2 here): each new post reaches
    each user in one digest, never twice"""
    worker = process_log("worker")
    username = logged_in(client)
    token = token_for(client, username)
    pattern = r"send_digest\[[^\]]+\] succeeded"
    start = len(worker.lines)
    first = create_post(client, token)

    def digests_with(title):
        return [m for m in mailbox.find(to=email_of(username), subject="digest") if title in m.body]

    # The digest arrives, or two runs of it end without it (the second began after the post).
    deadline = time.monotonic() + MAIL_WAIT
    while not digests_with(first) and time.monotonic() < deadline:
        if count_since(worker, pattern, start) >= 2:
            break
        mailbox.wait_for(to=email_of(username), subject="digest", count=1, timeout=0.5)
    expect(
        bool(digests_with(first)),
        f"a digest to {email_of(username)} listing the new post {first!r} within {MAIL_WAIT} s",
        ", ".join(m.describe() for m in mailbox.find(to=email_of(username))) or "no mail",
    )
    # Two more runs of the digest, seen in the worker's log: they must not repeat the post.
    start = len(worker.lines)
    deadline = time.monotonic() + MAIL_WAIT
    while count_since(worker, pattern, start) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    expect(
        count_since(worker, pattern, start) >= 2,
        "beat to run send_digest again (twice) after the digest",
        "\n".join(worker.lines[-6:]),
    )
    start = len(worker.lines)
    second = create_post(client, token)
    deadline = time.monotonic() + MAIL_WAIT
    while not digests_with(second) and time.monotonic() < deadline:
        if count_since(worker, pattern, start) >= 2:
            break
        time.sleep(0.2)
    expect(bool(digests_with(second)), f"a digest listing the second post {second!r}", "none")
    expect_equal(len(digests_with(first)), 1, f"digests that list the first post {first!r}")
    expect_equal(len(digests_with(second)), 1, f"digests that list the second post {second!r}")
