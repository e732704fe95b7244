"""A second baseline for the process page: the least a signed-in page can cost here.

    BENCH_FLOOR_BODIES=bodies.json gunicorn bench.signed_in_bound:app   (the product's environment)

It is the product app itself (its session cookie, the officer's sign-in check with the visit's
row read in the same statement, as the page reads it, checked by the page view's own
`load_process_view`) answering with the process page's HTML precomputed: no layout, answers,
form or template work. Measured beside the static floor, it shows how much of the process
page's distance from that floor any page that checks who is asking must keep, whatever its
rendering costs. A baseline, never a product scenario.
"""

from flask_login import login_required

from bench.floor_app import load_bodies
from housing_app import create_app
from housing_app.processes.reading import read_visit_alongside_officer
from housing_app.processes.views import load_process_view

PAGE_SCENARIO = "process_page_render"

app = create_app()
_page = load_bodies().get(PAGE_SCENARIO, {}).get("text", "")


@app.get("/bench/signed-in-bound/<uuid:process_id>")
@login_required
def signed_in_bound(process_id):
    load_process_view(process_id)
    return _page


# As the page does: the visit read in the officer's statement.
read_visit_alongside_officer("signed_in_bound")
