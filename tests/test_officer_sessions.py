"""Officers' sessions are kept on the server: signing out ends them, even in a copied cookie."""

from datetime import UTC, datetime, timedelta

import pytest

from housing_app.auth.officer_sessions import SESSION_SECRET
from housing_app.extensions import db
from housing_app.models import OfficerSession
from tests.conftest import make_user, sign_in
from tests.html import parse


def copy_of(app, signed_in_client):
    """A second browser holding a copy of the first one's session cookie."""
    name = app.config["SESSION_COOKIE_NAME"]
    thief = app.test_client()
    thief.set_cookie(name, signed_in_client.get_cookie(name).value)
    return thief


def is_signed_out(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def session_rows(user) -> list[OfficerSession]:
    db.session.expire_all()
    return db.session.scalars(db.select(OfficerSession).where(OfficerSession.user_id == user.id)).all()


def test_signing_in_keeps_one_session_whose_secret_only_the_cookie_holds(officer_client, officer):
    (row,) = session_rows(officer)
    with officer_client.session_transaction() as session:
        secret = session[SESSION_SECRET]
    assert len(secret) >= 40  # 256 random bits
    assert row.secret_hash == OfficerSession.hash(secret) != secret
    assert datetime.now(UTC) - row.signed_in_at < timedelta(minutes=1)


def test_a_copy_of_the_cookie_no_longer_signs_in_after_sign_out(app, officer_client, officer):
    thief = copy_of(app, officer_client)
    api_search = "/api/v1/tenures?lastName=smith"  # the API's read scopes follow the session too
    assert thief.get("/").status_code == 200  # the copy worked while the session lasted
    assert thief.get(api_search).status_code == 200
    assert officer_client.post("/sign-out").status_code == 302
    assert session_rows(officer) == []
    assert is_signed_out(thief.get("/"))
    assert is_signed_out(officer_client.get("/"))
    api = thief.get(api_search)
    assert api.status_code == 401
    assert api.get_json()["errors"][0]["userMessage"]


def test_signing_out_in_one_browser_leaves_the_officers_other_browsers_signed_in(
    app, officer_client, officer
):
    tablet = app.test_client()
    assert sign_in(tablet, officer).status_code == 302
    assert len(session_rows(officer)) == 2
    officer_client.post("/sign-out")
    assert len(session_rows(officer)) == 1
    page = parse(tablet.get("/"))
    assert officer.name in page.select_one(".app-header__account").text


def test_a_session_ends_its_maximum_lifetime_after_sign_in_however_busy(app, officer_client, officer):
    (row,) = session_rows(officer)
    lifetime = app.config["SESSION_MAX_LIFETIME"]
    row.signed_in_at = datetime.now(UTC) - timedelta(seconds=lifetime - 60)
    db.session.commit()
    assert officer_client.get("/").status_code == 200
    row.signed_in_at = datetime.now(UTC) - timedelta(seconds=lifetime + 1)
    db.session.commit()
    assert is_signed_out(officer_client.get("/"))
    assert sign_in(officer_client, officer).status_code == 302  # signing in again starts anew
    assert officer_client.get("/").status_code == 200


def test_a_sign_in_clears_away_sessions_past_their_lifetime(app, client, officer):
    """Browsers closed without signing out leave rows; they go once they could not sign in."""
    other = make_user("officer")
    now = datetime.now(UTC)
    lifetime = timedelta(seconds=app.config["SESSION_MAX_LIFETIME"])
    db.session.add_all(
        [
            OfficerSession(
                secret_hash="a" * 64, user_id=other.id, signed_in_at=now - lifetime - timedelta(hours=1)
            ),
            OfficerSession(secret_hash="b" * 64, user_id=other.id, signed_in_at=now - timedelta(hours=1)),
        ]
    )
    db.session.commit()
    assert sign_in(client, officer).status_code == 302
    assert [row.secret_hash for row in session_rows(other)] == ["b" * 64]
    assert len(session_rows(officer)) == 1


@pytest.mark.parametrize("secret", [None, "", "not-the-secret"])
def test_a_cookie_without_its_sessions_secret_signs_nobody_in(officer_client, secret):
    """A cookie signed before sessions were kept holds the officer's id and no secret: its
    officer signs in once more. A secret that names no session is the same."""
    with officer_client.session_transaction() as session:
        if secret is None:
            del session[SESSION_SECRET]
        else:
            session[SESSION_SECRET] = secret
        assert "_user_id" in session
    assert is_signed_out(officer_client.get("/"))


def test_an_operator_can_sign_an_officer_out_everywhere(app, runner, officer_client, officer):
    """A lost laptop: `flask users sign-out` ends every session of that officer, and only theirs."""
    tablet = copy_of(app, officer_client)
    colleague = make_user("officer")
    colleagues_browser = app.test_client()
    assert sign_in(colleagues_browser, colleague).status_code == 302
    second_browser = app.test_client()
    assert sign_in(second_browser, officer).status_code == 302

    result = runner.invoke(args=["users", "sign-out", officer.email.upper()])

    assert result.exit_code == 0, result.output
    assert f"Signed out {officer.email}: 2 sessions ended" in result.output
    assert session_rows(officer) == []
    for browser in (officer_client, tablet, second_browser):
        assert is_signed_out(browser.get("/"))
    assert colleagues_browser.get("/").status_code == 200
    assert sign_in(officer_client, officer).status_code == 302  # the account itself still works


def test_an_operator_can_deactivate_an_officer_and_activate_them_again(runner, officer_client, officer):
    result = runner.invoke(args=["users", "deactivate", officer.email])
    assert result.exit_code == 0, result.output
    assert "1 session ended" in result.output
    assert session_rows(officer) == []
    assert is_signed_out(officer_client.get("/"))
    assert sign_in(officer_client, officer).status_code == 200  # the form again: no sign-in
    listing = runner.invoke(args=["users", "list"]).output
    assert f"{officer.email}\t" in listing and listing.strip().endswith("deactivated")

    result = runner.invoke(args=["users", "activate", officer.email])
    assert result.exit_code == 0, result.output
    assert sign_in(officer_client, officer).status_code == 302
    assert runner.invoke(args=["users", "list"]).output.strip().endswith("\tactive")


@pytest.mark.parametrize("command", ["sign-out", "deactivate", "activate"])
def test_the_account_commands_name_an_unknown_email(runner, officer, command):
    result = runner.invoke(args=["users", command, "nobody@hackney.example"])
    assert result.exit_code != 0
    assert "There is no account for nobody@hackney.example." in result.output
    db.session.expire_all()
    assert officer.is_active_account is True
