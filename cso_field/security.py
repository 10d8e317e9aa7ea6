"""HTTP security headers, caching rules and cache-busting URLs for static files."""

import hashlib
from ipaddress import ip_address, ip_network
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

from cso_field import static_files
from cso_field.extensions import talisman

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "connect-src": "'self'",
    "font-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "object-src": "'none'",
}

PERMISSIONS_POLICY = {
    "geolocation": "(self)",
    "camera": "(self)",
    "microphone": "()",
    "interest-cohort": "()",
}


def init_app(app: Flask) -> None:
    talisman.init_app(
        app,
        force_https=app.config.get("FORCE_HTTPS", False),
        frame_options="DENY",
        content_security_policy=_policy_for(app),
        referrer_policy="same-origin",
        permissions_policy=PERMISSIONS_POLICY,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        strict_transport_security=True,
    )
    app.after_request(_cache_control)
    app.url_defaults(_version_static_urls)
    static_files.init_app(app)


def _policy_for(app: Flask) -> dict:
    """The policy, with the map tiles' origin allowed as images (the map page loads them)."""
    tile_origin = _origin(app.config.get("MAP_TILE_URL", ""))
    if not tile_origin:
        return CONTENT_SECURITY_POLICY
    img_src = f"{CONTENT_SECURITY_POLICY['img-src']} {tile_origin}"
    return {**CONTENT_SECURITY_POLICY, "img-src": img_src}


def _origin(url: str) -> str | None:
    """scheme://host[:port] of a tile URL template; a {s} subdomain becomes a wildcard."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = parts.netloc.replace("{s}", "*")
    return f"{parts.scheme}://{host}"


def _cache_control(response):
    # Pages can hold records and CSRF tokens: never kept by the browser or a proxy,
    # so after logout the back button cannot show them. Static files are versioned.
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


def _version_static_urls(endpoint: str, values: dict) -> None:
    if endpoint == "static" and "filename" in values and "v" not in values:
        values["v"] = _static_version(values["filename"])


def _static_version(filename: str) -> str:
    versions = current_app.extensions.setdefault("static_versions", {})
    if filename not in versions:
        path = Path(current_app.static_folder, filename)
        versions[filename] = (
            hashlib.sha256(path.read_bytes()).hexdigest()[:10] if path.is_file() else "0"
        )
    return versions[filename]


class TrustedProxyFix:
    """Werkzeug's ProxyFix, applied only to requests that come from a configured proxy.

    Like gunicorn's `forwarded_allow_ips`: a client that reaches the app directly cannot
    choose its own address (rate limits, lockouts, the audit trail) or scheme by sending
    X-Forwarded-* headers. `trusted` holds addresses or networks ("10.0.0.0/8").
    """

    def __init__(self, wsgi_app, count: int, trusted: str):
        self.direct = wsgi_app
        self.proxied = ProxyFix(wsgi_app, x_for=count, x_proto=count, x_host=count)
        self.networks = [
            ip_network(entry.strip(), strict=False) for entry in trusted.split(",") if entry.strip()
        ]

    def __call__(self, environ, start_response):
        app = self.proxied if self._from_proxy(environ.get("REMOTE_ADDR")) else self.direct
        return app(environ, start_response)

    def _from_proxy(self, remote: str | None) -> bool:
        try:
            address = ip_address(remote or "")
        except ValueError:
            return False
        return any(address in network for network in self.networks)
