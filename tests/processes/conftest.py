"""Fixtures for process tests: the shipped layouts, a tenure with a household, a started visit."""

import io
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import date

import pytest
import sqlalchemy as sa
from flask import request
from PIL import Image

from housing_app.extensions import AppSession, db
from housing_app.models import HouseholdMember, ProcessType, Tenure
from housing_app.processes.loader import load_shipped_definitions
from housing_app.processes.service import start_process
from tests.conftest import sign_in

TENANT_ID = uuid.UUID("11111111-1111-4111-8111-111111111111")
PARTNER_ID = uuid.UUID("22222222-2222-4222-8222-222222222222")


def make_tenure(address="Flat 3, 14 Mare Street, London E8 1HH", members=None) -> Tenure:
    tenure = Tenure(
        payment_reference="228008911",
        asset_full_address=address,
        asset_postcode="E8 1HH",
        tenure_type_code="SEC",
        tenure_type_description="Secure",
        start_of_tenure_date=date(2015, 4, 1),
        is_tenanted=True,
    )
    for member_id, name, responsible, born in members or [
        (TENANT_ID, "Amina Okafor", True, date(1978, 6, 2)),
        (PARTNER_ID, "Daniel Okafor", False, date(1980, 1, 15)),
    ]:
        member = HouseholdMember(
            id=member_id,
            is_responsible=responsible,
            date_of_birth=born,
            person_tenure_type="Tenant" if responsible else "HouseholdMember",
        )
        member.set_full_name(name)
        tenure.household_members.append(member)
    db.session.add(tenure)
    db.session.commit()
    return tenure


@pytest.fixture
def layouts():
    load_shipped_definitions()
    return {t.code: t for t in db.session.scalars(db.select(ProcessType))}


@pytest.fixture
def tenure():
    return make_tenure()


def start(tenure, officer, code="tenancy_household_check", crm=None):
    process_type = db.session.scalar(db.select(ProcessType).where(ProcessType.code == code))
    process = start_process(tenure, process_type, officer, crm)
    db.session.commit()
    return process


@pytest.fixture
def thc(layouts, tenure, officer):
    return start(tenure, officer)


@pytest.fixture
def home_check(layouts, tenure, officer):
    return start(tenure, officer, "home_check")


def image_bytes(image_format="JPEG", size=(64, 48), colour=(200, 30, 30), **save_options) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=image_format, **save_options)
    return buffer.getvalue()


def fresh_get(app, client, url):
    """GET in a new app context: Flask-Login caches the user on `g`, which the test's own app
    context would otherwise share between different clients' requests."""
    with app.app_context():
        return client.get(url)


def client_for(app, user):
    """Another signed-in browser (see fresh_get for why each request gets its own context)."""
    client = app.test_client()
    with app.app_context():
        assert sign_in(client, user).status_code == 302
    return client


def answers_by_question(process) -> dict[str, str]:
    """Every answer on the review (all groups and sections), by question text, as people read it."""
    from housing_app.processes.summary import build_process_summary

    summary = build_process_summary(process)
    return {a.question: a.answer for g in summary.groups for s in g.sections for a in s.answers}


@contextmanager
def first_save_holding_on(seconds: float = 0.5):
    """Inside the block, the first request to save pauses for `seconds` just before its changes
    are flushed (after it has read the visit and its answers), holding whatever locks it took.
    Gives a threading.Event set as that pause starts: start the second save then."""
    paused = threading.Event()

    def hold_on(_session, _context, _instances):
        if request and not paused.is_set():
            paused.set()
            time.sleep(seconds)

    sa.event.listen(AppSession, "before_flush", hold_on)
    try:
        yield paused
    finally:
        sa.event.remove(AppSession, "before_flush", hold_on)


def at_once(first, second, seconds: float = 0.5) -> list:
    """Run `first` and, once it is about to write, `second` beside it, each a request in a thread
    of its own (so each has its own app context and database session, as in a server); give
    both responses, first's first."""
    responses = [None, None]

    def run(index, request_it):
        responses[index] = request_it()

    with first_save_holding_on(seconds) as paused:
        threads = [threading.Thread(target=run, args=(0, first))]
        threads[0].start()
        assert paused.wait(10), "the first save never got as far as writing"
        threads.append(threading.Thread(target=run, args=(1, second)))
        threads[1].start()
        for thread in threads:
            thread.join(10)
    return responses
