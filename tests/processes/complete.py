"""Answer every question of a process with a valid value, as an officer finishing a visit would,
for tests that need a complete process (submission, PDF, API)."""

from datetime import date

from housing_app.extensions import db
from housing_app.models import Process
from housing_app.processes import photos
from housing_app.processes.layouts import options_of
from housing_app.processes.service import (
    answer_values,
    incomplete_sections,
    page_slots,
    save_page_answers,
    slot_visible,
)
from tests.processes.conftest import image_bytes

# Questions whose format a default value would not satisfy.
ANSWERS_BY_KEY = {
    "nextOfKinPhone": "020 8356 3000",
    "carerPhone": "020 8356 3001",
    "memberPhone": "07700 900123",
    "nextOfKinEmail": "next.of.kin@example.com",
    "tenantCopyEmail": "tenant@example.com",
}


def valid_answer(process: Process, question: dict, contact_id: str | None):
    key, kind = question["key"], question["type"]
    if key in ANSWERS_BY_KEY:
        return ANSWERS_BY_KEY[key]
    if kind in ("text", "textarea"):
        who = f" ({contact_id[:8]})" if contact_id else ""
        return f"Answer to {key}{who}"
    if kind == "number":
        return question.get("min", 1)
    if kind == "date":
        return date.today().isoformat()  # satisfies both "max: today" and "min: today"
    if kind in ("yesno", "radios", "select"):
        return options_of(question)[0]["value"]
    if kind == "checkboxes":
        return [options_of(question)[0]["value"]]
    if kind == "photo":
        return [str(photos.store_photo(process, image_bytes()).id)]
    if kind == "signature":
        return str(photos.store_photo(process, image_bytes("PNG")).id)
    raise AssertionError(f"no test answer for a {kind} question")


def answer_every_question(process: Process) -> dict[tuple[str, str | None], object]:
    """Answer what is unanswered, page by page, until no section is incomplete (answers can reveal
    further questions, hence the rounds). Commits; returns every stored answer."""
    for _round in range(4):
        for page in process.layout_version.pages:
            stored = answer_values(process)
            new = {}

            def answer_for(key, contact_id, stored=stored, new=new):
                return new.get((key, contact_id), stored.get((key, contact_id)))

            for slot in page_slots(process, page):
                place = (slot.key, slot.contact_id)
                if place in stored or not slot_visible(slot, answer_for):
                    continue
                new[place] = valid_answer(process, slot.element, slot.contact_id)
            if new:
                save_page_answers(process, page, new)
        if not incomplete_sections(process):
            db.session.commit()
            return answer_values(process)
    raise AssertionError(f"still incomplete: {[s.title for s in incomplete_sections(process)]}")
