"""What the service worker precaches and keeps, and what the outbox script is told."""

import gzip
import hashlib
import hmac
from pathlib import Path

from flask import current_app, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from cso_field.htmx import HTMX_VERSION, wants_fragment
from cso_field.records.registry import OFFLINE_PAGES, OFFLINE_STATIC
from cso_field.static_files import served_bytes

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "offline"
# Files every staff page loads (base.html) or that core forms use (photos, location).
CORE_STATIC = (
    "css/app.css",
    "js/app.js",
    "js/outbox.js",
    "js/outbox-send.js",
    "js/photos.js",
    "js/location.js",
    f"vendor/htmx-{HTMX_VERSION}.min.js",
    "icon.svg",
    "icons/icon-192.png",
)
# Core pages the phone keeps once opened: Today, New and the outbox (the offline shell).
CORE_OFFLINE_PAGES = ("main.today", "main.new_record", "offline.outbox")
# Sending waits at least this long after an outage, then doubles, up to the maximum.
PRECACHE_BUDGET_BYTES = 100 * 1024
USER_HEADER = "X-CSO-User"
KEEP_HEADER = "X-CSO-Offline"


def offline_pages() -> set[str]:
    return OFFLINE_PAGES | set(CORE_OFFLINE_PAGES)


def static_files() -> list[str]:
    return sorted(set(CORE_STATIC) | OFFLINE_STATIC)


def precache_urls() -> list[str]:
    """Static URLs carry their content hash (?v=), so a page only ever gets the files it was
    rendered with; the logged-out offline page is the only page shared by everyone."""
    urls = [url_for("static", filename=name) for name in static_files()]
    return [*urls, url_for("offline.offline_page")]


def build_version() -> str:
    """One hash of everything precached and of the worker itself: a deploy that changes any
    of it changes /sw.js, so phones install the new version as a whole."""
    versions = current_app.extensions.setdefault("offline_versions", {})
    if "build" not in versions:
        digest = hashlib.sha256()
        for url in precache_urls():
            digest.update(url.encode())
        for name in ("sw.js", "offline.html"):
            digest.update((TEMPLATES / name).read_bytes())
        versions["build"] = digest.hexdigest()[:16]
    return versions["build"]


def precache_size() -> tuple[int, int]:
    """(bytes, gzip bytes) of the precached static files as served (minified), the offline
    page left out."""
    raw = packed = 0
    for name in static_files():
        data = served_bytes(name)[0]
        raw += len(data)
        packed += len(gzip.compress(data, 9))
    return raw, packed


def user_key(user) -> str:
    """The name the phone keeps an officer's pages and queued items under: stable for the
    officer, meaningless to anyone else (a keyed hash of the account id)."""
    secret = current_app.config["SECRET_KEY"]
    if isinstance(secret, str):
        secret = secret.encode()
    return hmac.new(secret, f"offline-user:{user.id}".encode(), hashlib.sha256).hexdigest()[:24]


def mark_response(response):
    """Tell the service worker who is logged in (no header: nobody), and which pages it may
    keep for this officer."""
    if response.mimetype != "text/html" or not current_user.is_authenticated:
        return response
    response.headers[USER_HEADER] = user_key(current_user)
    if (
        request.method == "GET"
        and response.status_code == 200
        and request.endpoint in offline_pages()
        and not wants_fragment()
    ):
        response.headers[KEEP_HEADER] = "keep"
    return response


def session_state() -> dict:
    """Asked before each send: who is logged in, a fresh CSRF token, and the strings that
    sending, the list and the logout question need, which ordinary pages do not carry."""
    return {
        "user": user_key(current_user),
        "csrf_token": generate_csrf(),
        "strings": _more_strings(),
    }


def page_config() -> dict:
    """What static/js/outbox.js needs, read from a JSON script tag (no inline script). Every
    page carries only the strings for keeping a form and the network state; the outbox page,
    which the phone keeps for every officer and shows offline, carries all, for the other half
    of the outbox to read from there (static/js/outbox-send.js) or from the session."""
    strings = _page_strings()
    if request.endpoint == "offline.outbox":
        strings |= _more_strings()
    return {
        "user": user_key(current_user),
        "sw": url_for("offline.service_worker"),
        "more": url_for("static", filename="js/outbox-send.js"),
        "session": url_for("offline.session"),
        "outbox": url_for("offline.outbox"),
        "login": url_for("auth.login", next=url_for("offline.outbox")),
        "logout": url_for("auth.logout"),
        "strings": strings,
    }


def _page_strings() -> dict:
    return {
        "saved": _("Saved on this phone — will send when there is signal."),
        "online": _("Online"),
        "offline": _("Offline"),
        "sending": _("Sending…"),
        "waiting_one": ngettext("%(count)s waiting", "%(count)s waiting", 1, count="{num}"),
        "waiting_other": ngettext("%(count)s waiting", "%(count)s waiting", 2, count="{num}"),
        "refused": _(
            "This form holds sensitive information and is never kept on the phone. "
            "Send it when you have signal."
        ),
    }


def _more_strings() -> dict:
    return {
        "login_needed": _("Your session has ended. Log in again to send what is waiting."),
        "log_in": _("Log in"),
        "opened": _(
            "This record is still on this phone. Correct it and send it again; it is removed "
            "from the phone when the server has accepted it."
        ),
        "offline_copy": _("Offline copy, last updated %(time)s.", time="{time}"),
        "not_on_phone": _(
            "You are offline and that page is not saved on this phone. Here is what is "
            "waiting to be sent."
        ),
        "sent_one": ngettext("%(count)s sent.", "%(count)s sent.", 1, count="{num}"),
        "sent_other": ngettext("%(count)s sent.", "%(count)s sent.", 2, count="{num}"),
        "saved_at": _("Saved on this phone %(age)s.", age="{age}"),
        "state_waiting": _("Waiting to send."),
        "state_retrying": _("Not sent yet: tried %(num)s times, trying again.", num="{num}"),
        "state_stuck": _(
            "Could not be sent after %(num)s tries. Open it to check it; it stays here "
            "and is tried again.",
            num="{num}",
        ),
        "state_rejected": _("Not accepted by the server. Open it to correct it."),
        "state_login": _("Waiting for you to log in again."),
        "open": _("Open"),
        "logout_warning_one": ngettext(
            "%(count)s record has not been sent yet. If you log out now it is deleted from "
            "this phone.",
            "%(count)s records have not been sent yet. If you log out now they are deleted "
            "from this phone.",
            1,
            count="{num}",
        ),
        "logout_warning_other": ngettext(
            "%(count)s record has not been sent yet. If you log out now it is deleted from "
            "this phone.",
            "%(count)s records have not been sent yet. If you log out now they are deleted "
            "from this phone.",
            2,
            count="{num}",
        ),
        "logout_delete": _("Delete them and log out"),
        "logout_keep": _("Keep them and stay logged in"),
    }
