from flask import render_template
from flask_login import login_required

from housing_app.officer import bp


@bp.route("/")
@login_required
def home():
    return render_template("officer/home.html", processes=[])
