"""The demo: after `flask demo load`, the demo officer finds a demo tenure, starts either visit
and completes one, and the demo manager (same team) sees it on their home page."""

import pytest

from housing_app.cli.demo import DEMO_PASSWORD
from housing_app.extensions import db
from housing_app.models import Process, Tenure
from tests.html import parse
from tests.processes.test_walkthrough import complete_every_page


def sign_in_demo(app, email):
    client = app.test_client()
    with app.app_context():
        response = client.post("/sign-in", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.slow
def test_the_demo_officer_completes_a_visit_on_a_demo_tenure(app, runner):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    tenures = db.session.scalars(db.select(Tenure).order_by(Tenure.id)).all()
    tenure = next(t for t in tenures if len([m for m in t.household_members if m.type == "person"]) >= 2)
    member = next(m for m in tenure.household_members if m.type == "person")
    officer = sign_in_demo(app, "officer@hackney.example")

    with app.app_context():
        found = parse(
            officer.get(f"/tenures?name={member.full_name.split()[-1]}&postcode={tenure.asset_postcode}")
        )
    assert found.select_one(f"a[href='/tenures/{tenure.id}']")
    for code in ("home_check", "tenancy_household_check"):
        with app.app_context():
            response = officer.post(f"/tenures/{tenure.id}/processes", data={"process_type": code})
        assert response.status_code == 302
    thc = db.session.scalar(db.select(Process).where(Process.reference.startswith("THC-")))
    with app.app_context():
        complete_every_page(officer, thc)

    manager = sign_in_demo(app, "manager@hackney.example")
    with app.app_context():
        home = parse(manager.get("/"))
    assert len(home.select("tr[data-process-id]")) == 2
