"""Parts of every page that hold nothing per request (the footer) are rendered once per app and
are what rendering the template gives."""

from bs4 import BeautifulSoup
from flask import render_template

from housing_app.template_filters import STATIC_PARTS
from tests.html import parse


def test_the_footer_is_rendered_once_and_is_the_templates_own(app, client):
    app.extensions.pop(STATIC_PARTS, None)
    first = parse(client.get("/sign-in")).select_one("footer.govuk-footer")
    kept = dict(app.extensions[STATIC_PARTS])
    again = parse(client.get("/sign-in")).select_one("footer.govuk-footer")

    assert list(kept) == [("components/footer.html", "")]
    assert app.extensions[STATIC_PARTS] == kept  # not rendered again
    assert str(first) == str(again)
    assert first.select_one("a[href*='api']").text.strip() == "API documentation"
    with app.test_request_context("/"):
        fresh = render_template("components/footer.html")
    assert str(BeautifulSoup(fresh, "html.parser").select_one("footer")) == str(first)


def test_a_page_under_another_script_root_gets_its_own_footer(app, client):
    app.extensions.pop(STATIC_PARTS, None)
    client.get("/sign-in")
    mounted = client.get("/sign-in", environ_overrides={"SCRIPT_NAME": "/housing"})
    footer = parse(mounted).select_one("footer.govuk-footer")
    assert ("components/footer.html", "/housing") in app.extensions[STATIC_PARTS]
    assert all(a["href"].startswith("/housing/") for a in footer.select("a[href^='/']"))
