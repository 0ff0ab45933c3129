"""Security headers on every response: a strict CSP, no sniffing, no caching of account pages."""

from __future__ import annotations

from flask import Flask, Response, g, request

# No 'unsafe-inline' or 'unsafe-eval': templates carry no inline scripts, styles or handlers,
# so an injected <script> or style="" in a member's text would not run even if it got through.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
])

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # for browsers that predate frame-ancestors
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}

# Pages that show or take credentials and private settings: never kept in a shared cache or
# in the browser's back/forward history on a library or family computer.
PRIVATE_PATHS = ("/login", "/register", "/logout", "/forgot-password", "/reset-password",
                 "/confirm-email", "/check-your-email", "/account")
PRIVATE_PREFIXES = ("/account/", "/moderation")


def is_private_path(path: str) -> bool:
    """Tell whether a page must never be stored by a cache."""
    return path in PRIVATE_PATHS or path.startswith(PRIVATE_PREFIXES)


def no_store() -> None:
    """Keep this response out of every cache: it shows held posts or a member's own data."""
    g.no_store = True


def register_security(app: Flask) -> None:
    """Add the security headers to every response the app sends."""

    @app.after_request
    def security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security",
                                        "max-age=31536000; includeSubDomains")
        if is_private_path(request.path) or g.get("no_store"):
            response.headers["Cache-Control"] = "no-store"
        return response
