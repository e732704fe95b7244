import click
from flask.cli import AppGroup

from housing_app.api.auth import SCOPES
from housing_app.extensions import db
from housing_app.models import ApiToken
from housing_app.models.base import utcnow

tokens_cli = AppGroup("tokens", help="Manage API client tokens.")


def parse_scopes(value: str) -> list[str]:
    scopes = [s.strip() for s in value.split(",") if s.strip()]
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise click.BadParameter(
            f"unknown scope(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(SCOPES)}",
            param_hint="--scopes",
        )
    return scopes


@tokens_cli.command("create")
@click.option("--name", required=True, help="Which service the token is for.")
@click.option("--scopes", required=True, help="Comma-separated, e.g. tenures:read,tenures:write")
def create_command(name, scopes):
    """Create a token. The secret is shown once, as the last line; only its hash is kept."""
    token, secret = ApiToken.issue(name, parse_scopes(scopes))
    db.session.add(token)
    db.session.commit()
    click.echo(f"Created token {token.id} for {name} with scopes {token.scopes}")
    click.echo(secret)


@tokens_cli.command("list")
def list_command():
    """List tokens (never their secrets)."""
    for token in db.session.scalars(db.select(ApiToken).order_by(ApiToken.created_at)):
        state = "revoked" if token.revoked_at else "active"
        click.echo(f"{token.id}\t{token.name}\t{token.scopes}\t{state}")


@tokens_cli.command("revoke")
@click.argument("token_id")
def revoke_command(token_id):
    """Revoke a token by its id."""
    import uuid

    try:
        token = db.session.get(ApiToken, uuid.UUID(token_id))
    except ValueError:
        raise click.BadParameter("not a token id", param_hint="TOKEN_ID") from None
    if token is None:
        raise click.ClickException(f"No token with id {token_id}.")
    token.revoked_at = token.revoked_at or utcnow()
    db.session.commit()
    click.echo(f"Revoked token {token.id} ({token.name})")
