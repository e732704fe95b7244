"""The API's blueprints: flask-smorest's, with its documentation-only decorators adding no call.

flask-smorest's `doc` and `alt_response` only describe a view in the OpenAPI document, yet each
wraps the view in a function that calls it through `current_app` on every request: five layers
on a tenure read, as much Python as the read itself. Here they record the same description
(`_apidoc`, which flask-smorest reads when it registers the view) on the view itself.
"""

import flask_smorest


def _description_only(decorator):
    def describe(view):
        described = decorator(view)
        if getattr(described, "__wrapped__", None) is not view:
            return described  # not a plain function wrapped once (a MethodView class): as is
        view._apidoc = described._apidoc
        return view

    return describe


class Blueprint(flask_smorest.Blueprint):
    @staticmethod
    def doc(**kwargs):
        return _description_only(flask_smorest.Blueprint.doc(**kwargs))

    def alt_response(self, *args, **kwargs):
        return _description_only(super().alt_response(*args, **kwargs))
