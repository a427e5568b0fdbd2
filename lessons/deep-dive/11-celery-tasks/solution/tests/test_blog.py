from app.extensions import db
from app.models import Post, User


def test_add_user_prints_its_id(runner, app):
    result = runner.invoke(args=["add-user", "ada", "ada@example.com"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.get(User, int(result.output)).username == "ada"


def test_duplicate_username_is_refused(runner):
    runner.invoke(args=["add-user", "ada", "ada@example.com"])
    result = runner.invoke(args=["add-user", "ada", "other@example.com"])
    assert result.exit_code != 0
    assert "taken" in result.output


def test_add_post_with_tags(runner, app):
    runner.invoke(args=["add-user", "ada", "ada@example.com"])
    args = ["add-post", "ada", "Hello", "--body", "Hi", "--category", "tech", "--tag", "a"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    with app.app_context():
        post = db.session.get(Post, int(result.output))
        assert [tag.name for tag in post.tags] == ["a"]
        assert post.author.username == "ada"


def test_posts_page_runs_a_constant_number_of_queries(runner, client):
    runner.invoke(args=["add-user", "ada", "ada@example.com"])
    post = ["add-post", "ada", "Post", "--body", "b", "--category", "life", "--tag", "x"]
    runner.invoke(args=post)
    one = client.get("/posts").headers["X-DB-Queries"]
    for _ in range(5):
        runner.invoke(args=post)
    assert client.get("/posts").headers["X-DB-Queries"] == one


def test_unknown_user_is_the_404_page(client):
    response = client.get("/users/nobody")
    assert response.status_code == 404
    assert b"Page not found" in response.data
