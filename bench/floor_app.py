"""The floor: the least a Flask app in the same gunicorn configuration can do for each response.

    BENCH_FLOOR_BODIES=bodies.json gunicorn bench.floor_app:app

`bodies.json` maps a scenario name to the body the product returned for it. For an API scenario
the floor is a bare route returning that precomputed JSON body (same size, same content type);
for a process page it is a static Jinja template holding the page's HTML (the same form, no data
or logic behind it); for a form save it parses the same form and redirects.
"""

import json
import os

from flask import Flask, Response, redirect, request
from jinja2 import DictLoader


def create_floor_app(bodies: dict[str, dict]) -> Flask:
    app = Flask(__name__)
    json_bodies = {
        name: body["text"].encode() for name, body in bodies.items() if body.get("kind", "json") == "json"
    }
    pages = {name: body["text"] for name, body in bodies.items() if body.get("kind") == "page"}
    # Templates are compiled once, as the product's are; {% raw %} keeps the HTML static.
    app.jinja_loader = DictLoader({name: "{% raw %}" + text + "{% endraw %}" for name, text in pages.items()})

    @app.get("/floor/json/<name>")
    def json_body(name):
        return Response(json_bodies[name], mimetype="application/json")

    @app.get("/floor/page/<name>")
    def page(name):
        return app.jinja_env.get_template(name).render()

    @app.post("/floor/page/<name>")
    def save_page(name):
        fields = request.form.to_dict(flat=False)
        return redirect(f"/floor/page/{name}?saved={len(fields)}")

    @app.get("/floor/ping")
    def ping():
        return {"ok": True}

    return app


def load_bodies() -> dict:
    path = os.environ.get("BENCH_FLOOR_BODIES")
    if not path:
        return {}
    with open(path) as bodies_file:
        return json.load(bodies_file)


app = create_floor_app(load_bodies())
