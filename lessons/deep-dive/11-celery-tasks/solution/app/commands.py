"""`flask --app app add-user` and `add-post`: seed the database from the command line.

Each prints the new row's id; bad or duplicate input ends with a one-line message and a
non-zero exit status (``click.ClickException``), never a traceback.
"""

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (
    CATEGORIES,
    EMAIL,
    PASSWORD_MIN,
    TAG_NAME,
    TITLE_MAX,
    USERNAME,
    Post,
    Tag,
    User,
)


def save(row, what):
    """Commit ``row``; a unique constraint that another writer won is a clear error too."""
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise click.ClickException(f"{what} already exists") from None
    return row.id


@click.command("add-user")
@click.argument("username")
@click.argument("email")
@click.option("--password", help="Lets the user log in (stored as a hash).")
@with_appcontext
def add_user(username, email, password):
    """Create a user and print its id."""
    if not USERNAME.fullmatch(username):
        raise click.ClickException(
            f"username {username!r} must be 3 to 32 characters of a-z, 0-9 and _"
        )
    if not EMAIL.fullmatch(email):
        raise click.ClickException(f"email {email!r} does not look like an email address")
    if db.session.scalar(select(User).filter_by(username=username)):
        raise click.ClickException(f"the username {username!r} is taken")
    if db.session.scalar(select(User).filter_by(email=email)):
        raise click.ClickException(f"the email {email!r} is taken")
    user = User(username=username, email=email)
    if password is not None:
        if len(password) < PASSWORD_MIN:
            raise click.ClickException(f"the password must be at least {PASSWORD_MIN} characters")
        user.set_password(password)
    click.echo(save(user, "that user"))


@click.command("add-post")
@click.argument("username")
@click.argument("title")
@click.option("--body", required=True, help="The text of the post.")
@click.option("--category", required=True, help="tech, life or news.")
@click.option("--tag", "tags", multiple=True, help="A tag (repeat for more).")
@with_appcontext
def add_post(username, title, body, category, tags):
    """Create a post by USERNAME and print its id."""
    author = db.session.scalar(select(User).filter_by(username=username))
    if author is None:
        raise click.ClickException(f"there is no user {username!r}")
    if not title.strip() or len(title) > TITLE_MAX:
        raise click.ClickException(f"the title must be 1 to {TITLE_MAX} characters")
    if not body.strip():
        raise click.ClickException("the body must not be empty")
    if category not in CATEGORIES:
        raise click.ClickException(f"the category must be one of {', '.join(CATEGORIES)}")
    for name in tags:
        if not TAG_NAME.fullmatch(name):
            raise click.ClickException(f"tag {name!r} must be 1 to 20 characters of a-z, 0-9 and -")
    post = Post(title=title, body=body, category=category, author=author)
    db.session.add(post)
    for name in dict.fromkeys(tags):  # each tag once, in the order given
        tag = db.session.scalar(select(Tag).filter_by(name=name)) or Tag(name=name)
        post.tags.append(tag)
    click.echo(save(post, "that post"))
