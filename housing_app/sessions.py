"""Officers' sessions: Flask's signed cookie, not opened for API calls made with a bearer token.

Such a call never uses an officer's session (housing_app.api.auth checks the token first), and
reading and re-signing the cookie is a good part of a short API call's cost.
"""

from flask.sessions import SecureCookieSessionInterface


class OfficerSessionInterface(SecureCookieSessionInterface):
    def open_session(self, app, request):
        if request.path.startswith("/api/") and request.headers.get("Authorization"):
            return self.null_session_class()
        return super().open_session(app, request)
