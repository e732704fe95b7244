from flask import render_template
from flask_login import current_user, login_required

from housing_app.officer import bp


@bp.route("/")
@login_required
def home():
    from housing_app.extensions import db
    from housing_app.processes.service import visible_processes_query

    processes = list(db.session.scalars(visible_processes_query(current_user).limit(100)))
    return render_template("officer/home.html", processes=processes)
