"""Error pages: translated, no stack traces, a short reference that is also in the log."""

import secrets

from flask import Flask, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from cso_field.extensions import db
from cso_field.htmx import wants_fragment

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
}

CSRF_MESSAGE = (
    _l("This form has expired"),
    _l("For your security, forms expire. Go back, reload the page and send it again."),
)


def new_reference() -> str:
    return secrets.token_hex(4).upper()


def render_error(status: int, title=None, explanation=None, reference: str | None = None):
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
    return render_error(400, *CSRF_MESSAGE, reference=reference)


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
    app.register_error_handler(Exception, handle_unexpected_error)
