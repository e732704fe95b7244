"""Submitting a process: the admin mail outbox page, and (with the process engine) submit and
the PDF download. `init_submission(app)` registers the pages and starts the mail worker."""

from flask import Blueprint, Flask

bp = Blueprint("submission", __name__)

from housing_app.submission import routes  # noqa: E402,F401


def init_submission(app: Flask) -> None:
    from housing_app.services import mail

    app.register_blueprint(bp)
    mail.init_app(app)
