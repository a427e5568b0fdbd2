"""The checker: checkpoints (pytest tests) run against a learner's app in a child process.

What a checkpoint module imports from here is the whole checkpoint API; the engine lives in
``plugin`` (the pytest plugin), ``targets`` (in-process, served, URL), ``runner`` (one check
run, its report) and ``worker`` (the child process that hosts the learner's app).
"""

from mission_control.check.api import checkpoint, expect, expect_equal, fail
from mission_control.check.checks import (
    NOT_OBJECTS,
    HtmlPage,
    allowed_methods,
    expect_allow,
    expect_content_length,
    expect_escaped,
    expect_h1,
    expect_html,
    expect_malformed_json_400,
    expect_method_not_allowed,
    expect_not_json_415,
    expect_object_required,
    expect_unknown_url_404,
    expect_wsgi_valid,
    headings,
    html_page,
    is_count,
)
from mission_control.check.client import (
    AppCrashed,
    CheckFailed,
    Client,
    Request,
    RequestTimedOut,
    Response,
    same_path,
)
from mission_control.check.html import (
    Element,
    Field,
    Form,
    HtmlDocument,
    Visit,
    follow_redirects,
    read_html,
    visit,
)

__all__ = [
    "NOT_OBJECTS",
    "AppCrashed",
    "CheckFailed",
    "Client",
    "Element",
    "Field",
    "Form",
    "HtmlDocument",
    "HtmlPage",
    "Request",
    "RequestTimedOut",
    "Response",
    "Visit",
    "allowed_methods",
    "checkpoint",
    "expect",
    "expect_allow",
    "expect_content_length",
    "expect_equal",
    "expect_escaped",
    "expect_h1",
    "expect_html",
    "expect_malformed_json_400",
    "expect_method_not_allowed",
    "expect_not_json_415",
    "expect_object_required",
    "expect_unknown_url_404",
    "expect_wsgi_valid",
    "fail",
    "follow_redirects",
    "headings",
    "html_page",
    "is_count",
    "read_html",
    "same_path",
    "visit",
]
