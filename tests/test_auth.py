import sqlalchemy as sa

from housing_app.auth.officer_sessions import begin_session
from housing_app.auth.signed_in import SignedInOfficer, load_signed_in_officer
from housing_app.extensions import db
from housing_app.models import SignInThrottle, User
from tests.conftest import PASSWORD, sign_in
from tests.html import error_summary, parse


def test_sign_in_page_is_accessible(client):
    page = parse(client.get("/sign-in"))
    assert page.h1.text.strip() == "Sign in"
    email = page.select_one("input#email")
    assert page.select_one('label[for="email"]').text.strip() == "Email address"
    assert email["autocomplete"] == "username"
    assert page.select_one('label[for="password"]')
    assert page.select_one("a.govuk-skip-link")["href"] == "#main-content"


def test_signing_in_shows_the_home_page(client, officer):
    response = sign_in(client, officer)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = parse(client.get("/"))
    assert page.h1.text.strip() == "Your visits"
    assert officer.name in page.select_one(".app-header__account").text
    assert page.select_one("[data-empty-state]")


def test_wrong_password_shows_an_error_and_leaks_nothing(client, officer):
    wrong_password = parse(client.post("/sign-in", data={"email": officer.email, "password": "nope-nope"}))
    unknown_account = parse(
        client.post("/sign-in", data={"email": "nobody@hackney.example", "password": "nope-nope"})
    )
    assert error_summary(wrong_password) == ["Enter a correct email address and password"]
    assert error_summary(unknown_account) == error_summary(wrong_password)
    assert wrong_password.title.text.startswith("Error: ")
    # The typed email is kept, the password never echoed back.
    assert wrong_password.select_one("input#email")["value"] == officer.email
    assert not wrong_password.select_one("input#password").get("value")


def test_missing_fields_are_explained(client):
    page = parse(client.post("/sign-in", data={"email": "", "password": ""}))
    assert error_summary(page) == ["Enter your email address", "Enter your password"]


def test_repeated_failures_lock_the_account_for_a_while(client, officer, app):
    for _ in range(app.config["SIGN_IN_MAX_FAILURES"]):
        client.post("/sign-in", data={"email": officer.email, "password": "wrong-password"})
    response = sign_in(client, officer)  # even the right password is refused while locked
    assert response.status_code == 429
    messages = error_summary(parse(response))
    assert "Too many failed attempts" in messages[0]
    assert "15 minutes" in messages[0]
    # The throttle stores a hash, not the address.
    rows = db.session.scalars(db.select(SignInThrottle)).all()
    assert len(rows) == 1 and officer.email not in rows[0].email_hash


def test_success_clears_earlier_failures(client, officer):
    client.post("/sign-in", data={"email": officer.email, "password": "wrong-password"})
    assert sign_in(client, officer).status_code == 302
    assert db.session.scalars(db.select(SignInThrottle)).all() == []


def test_pages_redirect_to_sign_in_and_back(client, officer):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")
    response = client.post("/sign-in?next=/api/docs", data={"email": officer.email, "password": PASSWORD})
    assert response.headers["Location"] == "/api/docs"


def test_sign_in_never_redirects_off_site(client, officer):
    response = client.post(
        "/sign-in?next=//evil.example/", data={"email": officer.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_sign_out(officer_client):
    response = officer_client.post("/sign-out")
    assert response.status_code == 302
    assert officer_client.get("/").status_code == 302


def test_inactive_accounts_cannot_sign_in(client, officer):
    officer.is_active_account = False
    db.session.commit()
    assert sign_in(client, officer).status_code == 200


def test_an_account_made_inactive_is_signed_out_at_its_next_request(officer_client, officer):
    assert officer_client.get("/").status_code == 200
    officer.is_active_account = False
    db.session.commit()
    response = officer_client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_a_removed_account_is_signed_out_at_its_next_request(officer_client, officer):
    db.session.delete(officer)
    db.session.commit()
    assert officer_client.get("/").headers["Location"].startswith("/sign-in")


def test_the_signed_in_officer_is_read_without_an_orm_user(officer_client, officer):
    """Checking who is asking is one statement into a read-only SignedInOfficer, not an ORM load
    of the User (see housing_app.auth.signed_in)."""
    loads = []

    def record(target, _context):
        loads.append(target)

    officer_name = officer.name
    db.session.remove()  # as between two real requests: nothing already loaded
    sa.event.listen(User, "load", record)
    try:
        page = parse(officer_client.get("/"))
    finally:
        sa.event.remove(User, "load", record)
    assert officer_name in page.select_one(".app-header__account").text
    assert loads == []


def test_the_user_loader_answers_none_for_what_is_not_an_officer(app, officer):
    with app.test_request_context():
        begin_session(officer.id)  # as a sign-in does: the session's row, its secret in the cookie
        assert load_signed_in_officer("not-an-id") is None
        assert load_signed_in_officer(str(officer.id).replace(str(officer.id)[:8], "00000000")) is None
        signed_in = load_signed_in_officer(str(officer.id))
    assert isinstance(signed_in, SignedInOfficer)
    assert (signed_in.id, signed_in.email, signed_in.name, signed_in.team) == (
        officer.id,
        officer.email,
        officer.name,
        officer.team,
    )
    assert signed_in.is_authenticated and not signed_in.is_manager and not signed_in.is_admin
    assert signed_in.get_id() == officer.get_id()
    assert load_signed_in_officer(str(officer.id)) is None  # outside a request: no session at all


def test_passwords_are_stored_hashed(officer):
    assert PASSWORD not in officer.password_hash
    assert officer.check_password(PASSWORD)
    assert not officer.check_password(PASSWORD + "x")


def test_session_cookie_is_http_only(client, officer):
    response = sign_in(client, officer)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
