"""Demo data for `make run`: loaded idempotently, reproducible from a seed."""

import click
from flask.cli import AppGroup

from housing_app.cli.demo_contracts import load_demo_contracts
from housing_app.demo.tenures import load_demo_tenures
from housing_app.extensions import db
from housing_app.models import User
from housing_app.processes.demo import load_demo_processes

demo_cli = AppGroup("demo", help="Demo data for trying the app on one machine.")

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 - published demo credentials, local only
DEMO_USERS = [
    ("officer@hackney.example", "Olivia Officer", "officer", "Estate team north"),
    ("manager@hackney.example", "Marcus Manager", "manager", "Estate team north"),
    ("admin@hackney.example", "Ada Admin", "admin", None),
]


def load_demo_users() -> int:
    created = 0
    for email, name, role, team in DEMO_USERS:
        if db.session.scalar(db.select(User).where(User.email == email)) is None:
            user = User(email=email, name=name, role=role, team=team)
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
            created += 1
    db.session.commit()
    return created


@demo_cli.command("load")
@click.option("--seed", default=20261123, show_default=True, help="Random seed for generated data.")
def load_command(seed):
    """Load demo officers and data (safe to run again: existing rows are kept)."""
    created = load_demo_users()
    click.echo(f"Demo officers: {created} created, {len(DEMO_USERS) - created} already there.")
    # Each feature's demo data loader is called here, e.g. tenures, contracts, processes.
    click.echo(f"Demo tenures: {load_demo_tenures(seed)} created.")
    load_demo_processes()
    click.echo(f"Demo contracts: {load_demo_contracts(seed)} created.")
    click.echo("")
    click.echo(f"Sign in with any of these (password for all: {DEMO_PASSWORD}):")
    for email, _name, role, _team in DEMO_USERS:
        click.echo(f"  {role:8} {email}")
