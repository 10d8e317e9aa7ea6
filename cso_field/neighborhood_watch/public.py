"""Neighborhood Watch, the resident blueprint: the public sign-up page.

No account is needed. The page renders inside `resident_language()` (the resident's ?lang=
or phone language, as on the special check request), so the page, its messages and <html
lang> are in the resident's language. Online sign-ups are limited per address and hour
(WATCH_SIGNUPS_PER_ADDRESS_PER_HOUR); a honeypot field turns robots away.
"""

from flask import Blueprint, current_app, render_template, request
from flask_babel import pgettext

from cso_field.i18n import RESIDENT_LANGUAGES, Language, resident_language, visitor_language
from cso_field.neighborhood_watch import services
from cso_field.neighborhood_watch.forms import WatchSignupForm
from cso_field.records.registry import ResidentArea, register_resident_area
from cso_field.records.services import SubmissionConflict
from cso_field.roles import public

bp = Blueprint("neighborhood_watch_public", __name__, url_prefix="/neighborhood-watch")


def expired_form(language_code: str):
    """An expired sign-up form comes back with what the resident typed and a fresh token."""
    with resident_language(language_code) as language:
        return _form_page(WatchSignupForm(language=language.code), language, 400, expired=True)


register_resident_area(
    ResidentArea(bp.url_prefix, "neighborhood_watch_public.sign_up", visitor_language, expired_form)
)


@bp.route("/", methods=["GET", "POST"])
@public
def sign_up():
    with resident_language(visitor_language()) as language:
        return _sign_up(language)


def _sign_up(language: Language):
    form = WatchSignupForm(language=language.code)
    if request.method == "GET":
        return _form_page(form, language, 200)
    if form.website.data:
        current_app.logger.info("watch sign-up refused: honeypot filled")
        return _form_page(form, language, 422, refused=True)
    if not form.validate():
        return _form_page(form, language, 422)
    try:
        signup, created = services.sign_up_online(
            form.interest(),
            (form.address.data or "").strip() or None,
            client_uuid=form.client_uuid.data,
            client_address=request.remote_addr,
        )
    except services.TooManySignups:
        current_app.logger.warning("watch sign-up refused: rate limit")
        return render_template("neighborhood_watch/public/too_many.html", language=language), 429
    except SubmissionConflict:
        form.client_uuid.errors.append(
            pgettext(
                "resident",
                "This form was already sent with other details. Reload the page to sign up again.",
            )
        )
        return _form_page(form, language, 422)
    body = render_template("neighborhood_watch/public/thanks.html", signup=signup)
    return body, 201 if created else 200


def _form_page(form, language: Language, status: int, refused=False, expired=False):
    body = render_template(
        "neighborhood_watch/public/form.html",
        form=form,
        language=language,
        languages=RESIDENT_LANGUAGES.values(),
        refused=refused,
        expired=expired,
    )
    return body, status
