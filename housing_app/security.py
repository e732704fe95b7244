"""Security headers: a strict Content Security Policy with a per-request nonce for the one
inline script the GOV.UK template needs, and the usual hardening headers."""

import secrets

from flask import Flask, g


def init_security_headers(app: Flask) -> None:
    @app.before_request
    def make_csp_nonce():
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.context_processor
    def inject_csp_nonce():
        return {"cspNonce": getattr(g, "csp_nonce", "")}

    @app.after_request
    def set_security_headers(response):
        nonce = getattr(g, "csp_nonce", "")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self'; img-src 'self' data: blob:; font-src 'self' data:; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            # Pages show residents' details: never keep them in shared caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response
