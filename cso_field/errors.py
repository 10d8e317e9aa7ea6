"""Error pages: translated, no stack traces, a short reference that is also in the log."""

import secrets

from flask import Flask, current_app, g, has_request_context, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from cso_field.extensions import db
from cso_field.htmx import wants_fragment
from cso_field.i18n import render_for_resident
from cso_field.resident_areas import ResidentArea, resident_area_for
from cso_field.timeutil import department_today

MESSAGES = {
    400: (
        _l("Something in that request was not right"),
        _l("Go back, check what you entered and try again."),
    ),
    401: (_l("Please log in"), _l("Your session has ended. Log in to continue.")),
    403: (
        _l("You do not have access to this page"),
        _l("If you need it for your work, ask your Senior CSO or an administrator."),
    ),
    404: (_l("Page not found"), _l("The address may be mistyped, or the page has moved.")),
    405: (_l("That action is not allowed here"), _l("Go back and use the buttons on the page.")),
    413: (_l("That upload is too large"), _l("Send fewer or smaller files and try again.")),
    422: (_l("Some details need fixing"), _l("Check the highlighted fields and try again.")),
    429: (_l("Too many attempts"), _l("Wait 15 minutes before trying again.")),
    500: (
        _l("Something went wrong on our side"),
        _l(
            "Your work was not saved. Try again in a moment; if it keeps happening, "
            "tell an administrator the reference below."
        ),
    ),
    503: (
        _l("Not available right now"),
        _l("Try again in a moment; if it keeps happening, tell an administrator."),
    ),
}

# The database could not be reached, or stayed locked past its busy timeout: nothing was saved
# and trying again shortly is the right thing to do (503 with Retry-After, not a 500).
BUSY_MESSAGE = (
    _l("The system is busy"),
    _l(
        "Your work was not saved. Try again in a moment; if it keeps happening, "
        "tell an administrator the reference below."
    ),
)
BUSY_RETRY_AFTER_SECONDS = 5

CSRF_MESSAGE = (
    _l("This form has expired"),
    _l("For your security, forms expire. Go back, reload the page and send it again."),
)

# What a resident reads: their own language, no staff words, and the way back to their form.
RESIDENT_MESSAGES = {
    400: (
        lazy_pgettext("resident", "Something in this request was not right"),
        lazy_pgettext(
            "resident", "Please go back to the form, check what you entered and send it again."
        ),
    ),
    404: (
        lazy_pgettext("resident", "We could not find this page"),
        lazy_pgettext("resident", "The address may be incomplete, or the page has moved."),
    ),
    413: (
        lazy_pgettext("resident", "What you sent is too large"),
        lazy_pgettext("resident", "Please shorten what you wrote and send the form again."),
    ),
    422: (
        lazy_pgettext("resident", "Some details need to be corrected"),
        lazy_pgettext(
            "resident", "Please go back to the form, correct the details and send it again."
        ),
    ),
    429: (
        lazy_pgettext("resident", "Too many requests"),
        lazy_pgettext(
            "resident",
            "We received too many requests from this connection. Please try again later.",
        ),
    ),
    500: (
        lazy_pgettext("resident", "Something went wrong on our side"),
        lazy_pgettext(
            "resident",
            "What you sent was not saved. Please try again in a few minutes, or call us.",
        ),
    ),
    503: (
        lazy_pgettext("resident", "We cannot take your request right now"),
        lazy_pgettext(
            "resident",
            "What you sent was not saved. Please try again in a few minutes, or call us.",
        ),
    ),
}
RESIDENT_CSRF_MESSAGE = (
    lazy_pgettext("resident", "This form has expired"),
    lazy_pgettext(
        "resident",
        "For your security, forms expire after a while. Please fill in the form again and send it.",
    ),
)


def new_reference() -> str:
    """The request's id (X-Request-ID, in every log line and audit row of the request)."""
    # Set by cso_field.operations.requests for every request (read here without importing it).
    return (g.get("request_id") if has_request_context() else None) or secrets.token_hex(6).upper()


def resident_area() -> ResidentArea | None:
    """The resident area of this request, if it is in one."""
    try:
        anonymous = not current_user.is_authenticated
    except Exception:  # the user could not be loaded: treat the visitor as anonymous
        anonymous = True
    return resident_area_for(request.path, anonymous)


def render_resident_error(area: ResidentArea, status: int, reference: str, csrf=False):
    title, explanation = (
        RESIDENT_CSRF_MESSAGE if csrf else RESIDENT_MESSAGES.get(status, RESIDENT_MESSAGES[400])
    )
    language = area.language()
    body = render_for_resident(
        "errors/resident.html",
        language,
        status=status,
        title=title,
        explanation=explanation,
        reference=reference,
        form_url=url_for(area.form_endpoint, lang=language),
        letter_date=department_today(),
    )
    return body, status


def render_error(status: int, title=None, explanation=None, reference: str | None = None):
    area = resident_area() if title is None else None
    if area is not None:
        try:
            return render_resident_error(area, status, reference or new_reference())
        except Exception:  # the resident page itself failed: the plain page below still shows
            current_app.logger.exception("resident error page failed for %s", request.path)
    default_title, default_explanation = MESSAGES.get(status, MESSAGES[400])
    template = "errors/_notice.html" if wants_fragment() else "errors/error.html"
    body = render_template(
        template,
        status=status,
        title=title or default_title,
        explanation=explanation or default_explanation,
        reference=reference or new_reference(),
    )
    return body, status


def handle_http_error(error: HTTPException):
    reference = new_reference()
    current_app.logger.warning(
        "ref=%s status=%s %s %s", reference, error.code, request.method, request.path
    )
    return render_error(error.code or 500, reference=reference)


def handle_csrf_error(error: CSRFError):
    reference = new_reference()
    current_app.logger.warning(
        "ref=%s csrf refused: %s %s", reference, error.description, request.path
    )
    area = resident_area()
    if area is None:
        return render_error(400, *CSRF_MESSAGE, reference=reference)
    if area.expired_form and request.endpoint == area.form_endpoint:
        return area.expired_form(area.language())
    return render_resident_error(area, 400, reference, csrf=True)


def handle_database_busy(error: OperationalError):
    db.session.rollback()
    reference = new_reference()
    current_app.logger.error(
        "ref=%s database unavailable on %s %s: %s", reference, request.method, request.path, error
    )
    title, explanation = (None, None) if resident_area() else BUSY_MESSAGE
    body, status = render_error(503, title, explanation, reference=reference)
    return body, status, {"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)}


def handle_unexpected_error(error: Exception):
    if isinstance(error, HTTPException):
        return handle_http_error(error)
    db.session.rollback()
    reference = new_reference()
    current_app.logger.exception(
        "ref=%s unhandled error on %s %s", reference, request.method, request.path
    )
    return render_error(500, reference=reference)


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(OperationalError, handle_database_busy)
    app.register_error_handler(Exception, handle_unexpected_error)
