import click
from flask.cli import AppGroup

from housing_app.extensions import db
from housing_app.models import User
from housing_app.models.users import ROLES

users_cli = AppGroup("users", help="Manage officer accounts.")

MIN_PASSWORD_LENGTH = 10


def create_user(email: str, name: str, role: str, password: str, team: str | None = None) -> User:
    if role not in ROLES:
        raise click.BadParameter(f"role must be one of {', '.join(ROLES)}", param_hint="--role")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.BadParameter(f"use at least {MIN_PASSWORD_LENGTH} characters", param_hint="--password")
    email = User.normalise_email(email)
    if db.session.scalar(db.select(User).where(User.email == email)):
        raise click.ClickException(f"An account for {email} already exists.")
    user = User(email=email, name=name.strip(), role=role, team=team)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(ROLES), default="officer", show_default=True)
@click.option("--team", default=None, help="Team name; managers see their team's processes.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_command(email, name, role, team, password):
    """Create an officer account (asks for the password unless --password is given)."""
    user = create_user(email, name, role, password, team)
    click.echo(f"Created {user.role} account for {user.email}")


@users_cli.command("list")
def list_command():
    """List officer accounts."""
    for user in db.session.scalars(db.select(User).order_by(User.email)):
        click.echo(f"{user.email}\t{user.name}\t{user.role}\t{user.team or '-'}")
