"""Officers' sessions: Flask's signed cookie, with two costs cut from every request.

- A call to the API made with a bearer token never uses an officer's session
  (housing_app.api.auth checks the token first): its cookie is not even opened.
- Flask makes the cookie's serializer again for every request (a fifth of opening the
  session): it is made once per set of secret keys, and again when they change.
- Opening the cookie (checking its signature, then decompressing and decoding it) was a sixth
  of the least a signed-in page costs, for the same cookie on every request until it is
  signed again. A worker keeps the last cookies it opened (SESSION_OPENED_COOKIES_KEPT) with
  what they held and when they were signed: the same cookie, byte for byte, opens to the same
  data, and its age is still checked on every request. Kept only while the keys are the
  same, and only for sessions holding plain values (not flashed messages), each request
  getting its own copy.
- An officer stays signed in for the session lifetime after their last request (a sliding
  expiry), which Flask keeps by signing the cookie again on every response: about a fifth of
  the least a signed-in page costs. Here it is signed again only when its signature is older
  than SESSION_REFRESH_AFTER_SECONDS (or the session changed), so the lifetime runs from at
  most that long before the last request.
"""

from datetime import UTC, datetime, timedelta

from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

from housing_app.lru import LRUCache

# What a session may hold for its opened cookie to be kept: values the session cannot change
# in place (a list of flashed messages can be, and is never kept).
_KEEPABLE = (str, bool, int, float, type(None))


class OfficerSession(SecureCookieSession):
    """A session that knows when its cookie was signed (None for a new one)."""

    signed_at: datetime | None = None


class OfficerSessionInterface(SecureCookieSessionInterface):
    session_class = OfficerSession
    # (the secret keys it signs with, the serializer): kept for the keys in use only.
    _serializer_for: tuple = ((), None)
    # Cookies already opened with those keys: (the session's data, when it was signed).
    _opened: LRUCache = LRUCache(0)

    def get_signing_serializer(self, app):
        if not app.secret_key:
            return None
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        made_for, serializer = self._serializer_for
        if made_for != keys:
            serializer = super().get_signing_serializer(app)
            self._serializer_for = (keys, serializer)
            self._opened = LRUCache(app.config["SESSION_OPENED_COOKIES_KEPT"])
        return serializer

    def open_session(self, app, request):
        if request.path.startswith("/api/") and request.headers.get("Authorization"):
            return self.null_session_class()
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        max_age = app.permanent_session_lifetime
        opened = self._opened.get(cookie)
        if opened is not None:
            data, signed_at = opened
            if datetime.now(UTC) - signed_at > max_age:
                return self.session_class()  # expired since it was first opened
        else:
            try:
                data, signed_at = serializer.loads(
                    cookie, max_age=int(max_age.total_seconds()), return_timestamp=True
                )
            except BadSignature:  # tampered with, signed with another key, or expired
                return self.session_class()
            if all(type(value) in _KEEPABLE for value in data.values()):
                self._opened.put(cookie, (data, signed_at))
        session = self.session_class(data)
        session.signed_at = signed_at
        return session

    def should_set_cookie(self, app, session) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        if signed_at is None:
            return True
        refresh_after = timedelta(seconds=app.config["SESSION_REFRESH_AFTER_SECONDS"])
        return datetime.now(UTC) - signed_at >= refresh_after
