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

    @app.after_request
    def set_security_headers(response):
        headers = response.headers
        present = {name.lower() for name, _value in headers}  # a view's own value stands
        nonce = request.environ.get(_NONCE_KEY)
        if "content-security-policy" not in present:
            csp = _CSP.format(nonce=f" 'nonce-{nonce}'") if nonce else _CSP_WITHOUT_NONCE
            headers.add("Content-Security-Policy", csp)
        for name, value in _HARDENING_HEADERS:
            if name.lower() not in present:
                headers.add(name, value)
        # content_type is the header's text; mimetype would parse it on every response.
        if "cache-control" not in present and (response.content_type or "").startswith("text/html"):
            # Pages show residents' details: never keep them in shared caches.
            headers.add("Cache-Control", "no-store")
        return response
