"""Command-line tools, run as `flask --app wsgi <group> <command>`."""

from flask import Flask


def init_cli(app: Flask) -> None:
    from housing_app.cli.demo import demo_cli
    from housing_app.cli.processes import processes_cli
    from housing_app.cli.tokens import tokens_cli
    from housing_app.cli.users import users_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(processes_cli)

    from housing_app.cli.mail import mail_cli

    app.cli.add_command(mail_cli)
