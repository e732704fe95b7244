"""The officer's web pages: home, and (added by later features) tenure search and tenure pages."""

from flask import Blueprint

bp = Blueprint("officer", __name__)

from housing_app.officer import (  # noqa: E402
    routes,  # noqa: F401
    tenures,  # noqa: F401
)


@bp.app_context_processor
def inject_navigation():
    from flask import current_app, request, url_for

    def navigation_items():
        # (endpoint, label): features add theirs here.
        entries = [("officer.home", "Your visits"), ("officer.tenure_search", "Find a tenure")]
        return [
            {
                "href": url_for(endpoint),
                "text": label,
                "active": request.endpoint == endpoint,
            }
            for endpoint, label in entries
            if endpoint in current_app.view_functions
        ]

    return {"navigation_items": navigation_items}
