from housing_app.extensions import db
from housing_app.models import ApiToken, User


def test_users_create_with_password_option(runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "New.Officer@Hackney.example",
            "--name",
            "New Officer",
            "--role",
            "manager",
            "--password",
            "a-long-password",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(db.select(User))
    assert user.email == "new.officer@hackney.example"
    assert user.role == "manager"
    assert user.check_password("a-long-password")


def test_users_create_prompts_for_the_password(runner):
    result = runner.invoke(
        args=["users", "create", "--email", "a@hackney.example", "--name", "A"],
        input="prompted-password\nprompted-password\n",
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(db.select(User)).check_password("prompted-password")


def test_users_create_refuses_bad_input(runner, officer):
    short = runner.invoke(
        args=["users", "create", "--email", "b@hackney.example", "--name", "B", "--password", "short"]
    )
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    duplicate = runner.invoke(
        args=["users", "create", "--email", officer.email, "--name", "B", "--password", "long-enough-pw"]
    )
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
    bad_role = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "c@hackney.example",
            "--name",
            "C",
            "--role",
            "wizard",
            "--password",
            "long-enough-pw",
        ]
    )
    assert bad_role.exit_code != 0


def test_tokens_create_list_and_revoke(runner):
    result = runner.invoke(
        args=["tokens", "create", "--name", "Repairs hub", "--scopes", "tenures:read,tenures:write"]
    )
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    token = db.session.scalar(db.select(ApiToken))
    assert token.token_hash == ApiToken.hash(secret) and secret not in token.token_hash
    assert token.scope_list == ["tenures:read", "tenures:write"]

    listing = runner.invoke(args=["tokens", "list"])
    assert "Repairs hub" in listing.output and secret not in listing.output

    revoked = runner.invoke(args=["tokens", "revoke", str(token.id)])
    assert revoked.exit_code == 0
    db.session.refresh(token)
    assert token.revoked_at is not None


def test_tokens_create_refuses_unknown_scopes(runner):
    result = runner.invoke(args=["tokens", "create", "--name", "x", "--scopes", "everything"])
    assert result.exit_code != 0 and "unknown scope" in result.output


def test_demo_load_is_idempotent(runner):
    first = runner.invoke(args=["demo", "load"])
    second = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0 and second.exit_code == 0, second.output
    assert "3 created" in first.output and "0 created" in second.output
    assert db.session.scalar(db.select(db.func.count(User.id))) == 3
