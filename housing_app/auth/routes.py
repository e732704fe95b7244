import logging
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from housing_app.auth import bp, throttle
from housing_app.auth.forms import SignInForm
from housing_app.auth.officer_sessions import begin_session, end_session
from housing_app.extensions import db
from housing_app.models import User

logger = logging.getLogger("housing_app.auth")

WRONG_DETAILS = "Enter a correct email address and password"


def safe_next_url(target: str | None) -> str:
    """Only ever redirect back to a path on this site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("officer.home")


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("officer.home"))
    form = SignInForm()
    if form.validate_on_submit():
        email = User.normalise_email(form.email.data)
        locked_for = throttle.minutes_locked(email)
        if locked_for:
            form.email.errors.append(
                "Too many failed attempts to sign in with this email address. "
                f"Try again in {locked_for} minute{'s' if locked_for != 1 else ''}."
            )
            return render_template("auth/sign_in.html", form=form), 429
        user = db.session.scalar(db.select(User).where(User.email == email))
        if user is None or not user.is_active or not user.check_password(form.password.data):
            throttle.record_failure(email)
            logger.info("sign-in failed")
            form.password.errors.append(WRONG_DETAILS)
            return render_template("auth/sign_in.html", form=form), 200
        throttle.clear(email)
        session.clear()  # a fresh session on sign-in stops session fixation
        begin_session(user.id)
        login_user(user)
        session.permanent = True
        logger.info("sign-in succeeded", extra={"fields": {"userId": str(user.id)}})
        return redirect(safe_next_url(request.args.get("next")))
    return render_template("auth/sign_in.html", form=form)


@bp.route("/sign-out", methods=["POST"])
@login_required
def sign_out():
    end_session()  # a copy of the cookie no longer signs in
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))
