from tests.conftest import PASSWORD
from tests.html import csrf_token, parse


def test_forms_without_a_csrf_token_are_refused(client, officer, csrf_enabled):
    response = client.post("/sign-in", data={"email": officer.email, "password": PASSWORD})
    assert response.status_code == 400
    assert parse(response).h1.text.strip() == "Your session has expired"


def test_forms_with_the_csrf_token_are_accepted(client, officer, csrf_enabled):
    token = csrf_token(parse(client.get("/sign-in")))
    response = client.post(
        "/sign-in", data={"email": officer.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_sign_out_needs_csrf_too(officer_client, csrf_enabled):
    assert officer_client.post("/sign-out").status_code == 400
    assert officer_client.get("/").status_code == 200
