"""The installable app: manifest, service worker, the offline pages and the outbox's session."""

from flask import Blueprint, current_app, jsonify, make_response, render_template, url_for
from flask_babel import gettext as _

from cso_field.offline import services
from cso_field.roles import public, staff

bp = Blueprint("offline", __name__)

THEME_COLOUR = "#0b4f9c"  # --primary in static/css/app.css


bp.add_app_template_global(services.page_config, "offline_config")


@bp.after_app_request
def _mark_for_service_worker(response):
    return services.mark_response(response)


@bp.get("/manifest.webmanifest")
@public
def manifest():
    response = jsonify(
        {
            "name": "CSO Field",
            "short_name": "CSO Field",
            "description": _("Field records for Community Service Officers."),
            "id": url_for("main.today"),
            "start_url": url_for("main.today"),
            "scope": "/",
            "display": "standalone",
            "orientation": "portrait",
            "theme_color": THEME_COLOUR,
            "background_color": "#f6f7f9",
            "icons": [
                _icon("icons/icon-192.png", "192x192", "image/png", "any"),
                _icon("icons/icon-512.png", "512x512", "image/png", "any"),
                _icon("icons/icon-maskable-512.png", "512x512", "image/png", "maskable"),
                _icon("icon.svg", "any", "image/svg+xml", "any"),
            ],
        }
    )
    response.mimetype = "application/manifest+json"
    return response


def _icon(name: str, sizes: str, kind: str, purpose: str) -> dict:
    return {
        "src": url_for("static", filename=name),
        "sizes": sizes,
        "type": kind,
        "purpose": purpose,
    }


@bp.get("/sw.js")
@public
def service_worker():
    script = render_template(
        "offline/sw.js",
        version=services.build_version(),
        precache=services.precache_urls(),
        offline_url=url_for("offline.offline_page"),
        shell_url=url_for("offline.outbox"),
        session_max_ms=int(current_app.config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds() * 1000),
        user_header=services.USER_HEADER,
        keep_header=services.KEEP_HEADER,
    )
    response = make_response(script)
    response.mimetype = "text/javascript"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/offline")
@public
def offline_page():
    """Shown by the service worker offline to anyone not logged in: no user data, ever."""
    return render_template("offline/offline.html")


@bp.get("/offline/outbox")
@staff
def outbox():
    return render_template("offline/outbox.html")


@bp.get("/offline/session")
@staff
def session():
    return jsonify(services.session_state())
