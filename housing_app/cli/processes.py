"""`flask processes load`: load process layouts from JSON definition files."""

from pathlib import Path

import click
from flask.cli import AppGroup

from housing_app.processes.layouts import LayoutError
from housing_app.processes.loader import DEFINITIONS_FOLDER, SHIPPED_DEFINITIONS, load_files

processes_cli = AppGroup("processes", help="Manage a Tenancy process layouts.")


@processes_cli.command("load")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_command(paths):
    """Load process definitions (default: the shipped ones). Unchanged files add nothing; a
    changed file adds a new layout version. A bad file is refused and nothing is loaded."""
    paths = list(paths) or [DEFINITIONS_FOLDER / name for name in SHIPPED_DEFINITIONS]
    try:
        results = load_files(paths)
    except LayoutError as exc:
        raise click.ClickException(f"Layout refused: {exc}") from None
    for path, result in zip(paths, results, strict=True):
        state = "new version" if result.created else "unchanged"
        click.echo(f"{result.code}: version {result.version} ({state}) from {path.name}")
