"""The blog's commands, `flask add-user` and `flask add-post`, through the CLI runner."""

from app.extensions import db
from app.models import Post, User


def test_add_user_prints_its_id(runner, app):
    result = runner.invoke(args=["add-user", "ada", "ada@example.com", "--password", "long enough"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.get(User, int(result.output))
        assert user.username == "ada" and user.check_password("long enough")


def test_bad_input_is_refused(runner):
    for args in (
        ["add-user", "Ada!", "ada@example.com"],
        ["add-user", "ada", "not-an-email"],
        ["add-user", "ada", "ada@example.com", "--password", "short"],
    ):
        result = runner.invoke(args=args)
        assert result.exit_code != 0, args
        assert "Error:" in result.output


def test_duplicate_username_and_email_are_refused(runner):
    runner.invoke(args=["add-user", "ada", "ada@example.com"])
    result = runner.invoke(args=["add-user", "ada", "other@example.com"])
    assert result.exit_code != 0 and "taken" in result.output
    result = runner.invoke(args=["add-user", "bob", "ada@example.com"])
    assert result.exit_code != 0 and "taken" in result.output


def test_add_post_with_tags(runner, app):
    runner.invoke(args=["add-user", "ada", "ada@example.com"])
    args = ["add-post", "ada", "Hello", "--body", "Hi", "--category", "tech", "--tag", "a"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    with app.app_context():
        post = db.session.get(Post, int(result.output))
        assert [tag.name for tag in post.tags] == ["a"]
        assert post.author.username == "ada"


def test_add_post_refuses_bad_input(runner):
    runner.invoke(args=["add-user", "ada", "ada@example.com"])
    base = ["--body", "Hi", "--category", "tech"]
    for args in (
        ["add-post", "nobody", "Hello", *base],
        ["add-post", "ada", " ", *base],
        ["add-post", "ada", "Hello", "--body", " ", "--category", "tech"],
        ["add-post", "ada", "Hello", "--body", "Hi", "--category", "sports"],
        ["add-post", "ada", "Hello", *base, "--tag", "Not A Tag"],
    ):
        assert runner.invoke(args=args).exit_code != 0, args
