"""Demo data for processes: the shipped layouts (the tenures helper's demo data brings tenures)."""

import click

from housing_app.processes.loader import load_shipped_definitions


def load_demo_processes() -> None:
    for result in load_shipped_definitions():
        click.echo(
            f"Process layout {result.code}: version {result.version}{' (new)' if result.created else ''}."
        )
