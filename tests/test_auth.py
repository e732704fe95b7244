from housing_app.extensions import db
from housing_app.models import SignInThrottle
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


def test_passwords_are_stored_hashed(officer):
    assert PASSWORD not in officer.password_hash
    assert officer.check_password(PASSWORD)
    assert not officer.check_password(PASSWORD + "x")


def test_session_cookie_is_http_only(client, officer):
    response = sign_in(client, officer)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
