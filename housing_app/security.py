"""Security headers: a strict Content Security Policy with a per-request nonce for the one
inline script the GOV.UK template needs, and the usual hardening headers."""

import secrets

from flask import Flask, has_request_context, request

_CSP = (
    "default-src 'self'; script-src 'self'{nonce}; "
    "style-src 'self'; img-src 'self' data: blob:; font-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
_CSP_WITHOUT_NONCE = _CSP.format(nonce="")
_HARDENING_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
)


_NONCE_KEY = "housing_app.csp_nonce"


def csp_nonce() -> str:
    """This request's script nonce, made when a template first asks for it: a JSON response
    runs no script, so it needs none (nor does a PDF or an email rendered outside a request)."""
    if not has_request_context():
        return ""
    nonce = request.environ.get(_NONCE_KEY)
    if nonce is None:
        nonce = request.environ[_NONCE_KEY] = secrets.token_urlsafe(16)
    return nonce


def init_security_headers(app: Flask) -> None:
    @app.context_processor
    def inject_csp_nonce():
        return {"cspNonce": csp_nonce()}

    app.wsgi_app = SecurityHeaders(app.wsgi_app)


class SecurityHeaders:
    """WSGI middleware adding the policy and hardening headers to every response that does not
    set its own (a view's own value stands): appended to the WSGI header list as the response
    starts, which costs a fraction of doing it on Flask's Headers in an after-request hook."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        def start_response_with_policy(status, headers, exc_info=None):
            add_security_headers(environ, headers)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start_response_with_policy)


def add_security_headers(environ: dict, headers: list[tuple[str, str]]) -> None:
    """Add to a WSGI response's headers the ones it does not set itself."""
    present = {name.lower(): value for name, value in headers}
    if "content-security-policy" not in present:
        nonce = environ.get(_NONCE_KEY)  # made only if a template asked for one (csp_nonce)
        csp = _CSP.format(nonce=f" 'nonce-{nonce}'") if nonce else _CSP_WITHOUT_NONCE
        headers.append(("Content-Security-Policy", csp))
    for name, value in _HARDENING_HEADERS:
        if name.lower() not in present:
            headers.append((name, value))
    if "cache-control" not in present and present.get("content-type", "").startswith("text/html"):
        # Pages show residents' details: never keep them in shared caches.
        headers.append(("Cache-Control", "no-store"))
