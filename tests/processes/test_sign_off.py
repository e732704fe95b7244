"""Sign-off: where JavaScript runs the tenant may draw a signature; without it (as this test
client, which runs no scripts) the typed name and the declaration are the signature, and the
sign-off page and its section can be completed."""

from datetime import date

import pytest

from housing_app.extensions import db
from housing_app.processes.service import section_statuses
from tests.html import error_summary, parse
from tests.processes.conftest import answers_by_question
from tests.processes.test_answers import post_page, stored

TODAY = date.today()


def sign_off_form(**changes) -> dict:
    """What a browser without JavaScript sends: the drawing's hidden input stays empty."""
    form = {
        "signatoryName": "Amina Okafor",
        "signatoryDeclaration": "agreed",
        "signatureDate": [str(TODAY.day), str(TODAY.month), str(TODAY.year)],
        "tenantSignature": "",
        "tenantGivenCopy": "no",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


@pytest.mark.parametrize("visit", ["thc", "home_check"])
def test_sign_off_is_completed_without_javascript_by_typed_name_and_declaration(
    request, officer_client, visit
):
    process = request.getfixturevalue(visit)
    page = parse(officer_client.get(f"/processes/{process.id}/pages/sign-off"))
    note = page.select_one(".app-signature__no-js")
    assert "the typed name and declaration are the signature" in note.text
    assert page.select_one(".app-signature__pad").has_attr("hidden")  # shown only by the script

    response = post_page(officer_client, process, "sign-off", sign_off_form())
    assert response.status_code == 302, error_summary(parse(response))
    assert response.headers["Location"].endswith(f"/processes/{process.id}/review")
    answers = stored(process)
    assert answers[("signatoryName", None)] == "Amina Okafor"
    assert answers[("signatoryDeclaration", None)] == ["agreed"]
    assert ("tenantSignature", None) not in answers
    db.session.expire_all()
    section = next(s for s in process.layout_version.sections if s.pages[-1].key == "sign-off")
    assert section_statuses(process)[section.id] == "complete"

    by_question = answers_by_question(process)
    assert by_question["Tenant's signature"] == "Not drawn: the typed name and declaration are the signature"


def test_sign_off_needs_the_typed_name_and_the_declaration(officer_client, thc):
    response = post_page(
        officer_client, thc, "sign-off", sign_off_form(signatoryName="", signatoryDeclaration=None)
    )
    assert error_summary(parse(response)) == [
        "Enter the tenant's full name: with the declaration, it is their signature",
        "The tenant must confirm the declaration before you can finish the check",
    ]
