"""`flask --app app add-user` and `add-post`: seed the database from the command line.

Each prints the new row's id; bad or duplicate input ends with a one-line message and a
non-zero exit status (``click.ClickException``), never a traceback.
"""

import click
from flask.cli import with_appcontext


@click.command("add-user")
@click.argument("username")
@click.argument("email")
@with_appcontext
def add_user(username, email):
    """Create a user and print its id."""
    # TODO: validate, refuse a taken username or email, store, click.echo(user.id)
    raise click.ClickException("add-user is not written yet")


@click.command("add-post")
@click.argument("username")
@click.argument("title")
@click.option("--body", required=True, help="The text of the post.")
@click.option("--category", required=True, help="tech, life or news.")
@click.option("--tag", "tags", multiple=True, help="A tag (repeat for more).")
@with_appcontext
def add_post(username, title, body, category, tags):
    """Create a post by USERNAME and print its id."""
    # TODO: find the author, validate, reuse or create each tag, store, click.echo(post.id)
    raise click.ClickException("add-post is not written yet")
