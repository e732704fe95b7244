import click
from flask.cli import AppGroup

from housing_app.auth.officer_sessions import end_all_sessions
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
        status = "active" if user.is_active_account else "deactivated"
        click.echo(f"{user.email}\t{user.name}\t{user.role}\t{user.team or '-'}\t{status}")


def account_for(email: str) -> User:
    user = db.session.scalar(db.select(User).where(User.email == User.normalise_email(email)))
    if user is None:
        raise click.ClickException(f"There is no account for {User.normalise_email(email)}.")
    return user


def sessions_ended(count: int) -> str:
    return f"{count} session{'' if count == 1 else 's'} ended"


@users_cli.command("sign-out")
@click.argument("email")
def sign_out_command(email):
    """Sign an officer out everywhere (every browser they are signed in on)."""
    user = account_for(email)
    click.echo(f"Signed out {user.email}: {sessions_ended(end_all_sessions(user.id))}")


def set_active(email: str, active: bool) -> User:
    user = account_for(email)
    user.is_active_account = active
    db.session.commit()
    return user


@users_cli.command("deactivate")
@click.argument("email")
def deactivate_command(email):
    """Stop an officer signing in and sign them out everywhere; their records stay."""
    user = set_active(email, False)
    click.echo(f"Deactivated {user.email}: {sessions_ended(end_all_sessions(user.id))}")


@users_cli.command("activate")
@click.argument("email")
def activate_command(email):
    """Let a deactivated officer sign in again."""
    click.echo(f"Activated {set_active(email, True).email}")
