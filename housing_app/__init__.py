"""housing_app: the Manage a Tenancy officer web app and its JSON APIs."""

from functools import lru_cache
from inspect import iscoroutinefunction

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from housing_app.config import INSTANCE_PATH, PROJECT_ROOT, load_config


@lru_cache(maxsize=1024)
def _is_async(function) -> bool:
    return iscoroutinefunction(function)


class HousingApp(Flask):
    """Flask, asking once per function whether it is async.

    Flask asks `inspect` before calling every request hook, view and decorator layer (a dozen
    times per API call, a noticeable part of a short one); the answer never changes.
    """

    def ensure_sync(self, func):
        try:
            is_async = _is_async(func)
        except TypeError:  # not hashable: ask every time
            is_async = True
        return super().ensure_sync(func) if is_async else func


def create_app(config=None) -> Flask:
    """Build the app. `config` is None (from the environment), a name ("development", "test",
    "production"), a config class, or a dict of settings overriding the environment's."""
    app = HousingApp(
        __name__,
        instance_path=str(INSTANCE_PATH),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(load_config(config))

    from housing_app.sessions import OfficerSessionInterface

    app.session_interface = OfficerSessionInterface()

    from housing_app.request_logging import configure_logging, init_request_log

    configure_logging(app)
    _init_templates(app)
    _init_extensions(app)
    _register_blueprints(app)

    from housing_app.errors import init_error_handlers
    from housing_app.security import init_security_headers

    init_security_headers(app)
    init_error_handlers(app)

    from housing_app.cli import init_cli

    init_cli(app)
    init_request_log(app)  # the outermost layer: its duration covers every other
    return app


def _init_templates(app: Flask) -> None:
    from govuk_frontend_wtf.main import WTFormsHelpers

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(PROJECT_ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)

    from housing_app.template_filters import init_template_filters

    init_template_filters(app)


def _init_extensions(app: Flask) -> None:
    from housing_app import models  # noqa: F401 - every table known to Flask-Migrate
    from housing_app.database import init_database
    from housing_app.extensions import csrf, db, login_manager, mail, migrate
    from housing_app.services import tenure_documents  # noqa: F401 - keeps documents in step

    db.init_app(app)
    init_database(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    mail.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    from housing_app.auth.signed_in import load_signed_in_officer

    login_manager.user_loader(load_signed_in_officer)


def _register_blueprints(app: Flask) -> None:
    from housing_app.api import init_api
    from housing_app.auth import bp as auth_bp
    from housing_app.officer import bp as officer_bp
    from housing_app.processes import bp as processes_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(officer_bp)
    app.register_blueprint(processes_bp)
    init_api(app)
    from housing_app.history import init_history  # contracts and activity timeline for officers

    init_history(app)

    from housing_app.submission import init_submission

    init_submission(app)
