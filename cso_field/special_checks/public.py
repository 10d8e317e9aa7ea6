"""Special checks, the resident blueprint: the online request and the private link.

No account is needed. Every page renders inside `resident_language()`, so the page, its
messages and <html lang> are in the resident's language whatever a staff cookie says.
"""

from datetime import date

from flask import Blueprint, current_app, flash, render_template, request, url_for
from flask_babel import pgettext

from cso_field.htmx import see_other
from cso_field.i18n import RESIDENT_LANGUAGES, Language, resident_language, visitor_language
from cso_field.records.registry import ResidentArea, register_resident_area
from cso_field.records.services import SubmissionConflict
from cso_field.roles import public
from cso_field.settings import get_setting
from cso_field.special_checks import notices, services
from cso_field.special_checks.forms import CancelForm, CheckRequestForm, EndDateForm, date_message
from cso_field.special_checks.models import RequestSource, SpecialCheck
from cso_field.special_checks.services import CheckRequestError, CheckState, TooManyRequests
from cso_field.timeutil import department_today

bp = Blueprint("special_checks_public", __name__, url_prefix="/check-request")


# Browsers may name Tagalog by its standard form, Filipino.
def expired_form(language_code: str):
    """An expired request form comes back with what the resident typed and a fresh token."""
    with resident_language(language_code) as language:
        return _form_page(CheckRequestForm(language=language.code), language, 400, expired=True)


register_resident_area(
    ResidentArea(
        bp.url_prefix, "special_checks_public.request_form", visitor_language, expired_form
    )
)


@bp.route("/", methods=["GET", "POST"])
@public
def request_form():
    with resident_language(visitor_language()) as language:
        return _request_form(language)


def _request_form(language: Language):
    form = CheckRequestForm(language=language.code)
    if request.method == "GET":
        return _form_page(form, language, 200)
    if form.website.data:
        current_app.logger.info("check request refused: honeypot filled")
        return _form_page(form, language, 422, refused=True)
    if not form.validate():
        return _form_page(form, language, 422)
    try:
        check, created, token = services.create_check(
            client_uuid=form.client_uuid.data,
            content=form.content(),
            source=RequestSource.ONLINE,
            client_address=request.remote_addr,
        )
    except TooManyRequests:
        current_app.logger.warning("check request refused: rate limit")
        return render_template("special_checks/public/too_many.html"), 429
    except SubmissionConflict:
        form.client_uuid.errors.append(
            pgettext(
                "resident",
                "This form was already sent with other details. Reload the page to start a "
                "new request.",
            )
        )
        return _form_page(form, language, 422)
    return _receipt(check, token), 201 if created else 200


def _date_limits(form, start: date, *, end_only=False) -> None:
    """The phone's date pickers know the lead-time and length rules before the form is sent;
    static/js/app.js moves the end's limits when the resident picks another start."""
    if not end_only:
        form.start_date.render_kw = {**(form.start_date.render_kw or {}), "min": start.isoformat()}
    form.end_date.render_kw = {
        **(form.end_date.render_kw or {}),
        "min": max(start, department_today()).isoformat(),
        "max": services.last_allowed_end(start).isoformat(),
        "data-max-length-days": services.longest_request_days(),
    }


def _form_page(
    form: CheckRequestForm, language: Language, status: int, refused=False, expired=False
):
    _date_limits(form, services.earliest_request_start())
    body = render_template(
        "special_checks/public/form.html",
        form=form,
        language=language,
        languages=RESIDENT_LANGUAGES.values(),
        refused=refused,
        expired=expired,
    )
    return body, status


def _receipt(check: SpecialCheck, token: str | None) -> str:
    # With an email address the link goes only there; without one the receipt is the
    # resident's only way back to the request, so it shows the link.
    link = services.manage_url(token) if token and not check.email else None
    return render_template(
        "special_checks/public/receipt.html",
        check=check,
        manage_link=link,
        letter_date=department_today(),
    )


@bp.route("/manage/<token>", methods=["GET", "POST"])
@public
def manage(token: str):
    check = services.find_by_token(token)
    if check is None:
        with resident_language(visitor_language()):
            return render_template("special_checks/public/not_found.html"), 404
    with resident_language(check.language):
        return _manage(check, token)


def _manage(check: SpecialCheck, token: str):
    end_form = EndDateForm(prefix="end", end_date=check.end_date)
    _date_limits(end_form, check.start_date, end_only=True)
    cancel_form = CancelForm(prefix="cancel")
    if request.method == "POST" and _apply_change(check, end_form, cancel_form):
        return see_other(url_for("special_checks_public.manage", token=token))
    body = render_template(
        "special_checks/public/manage.html",
        check=check,
        state=services.state_of(check),
        visits=notices.reported_visits(check),
        end_form=end_form,
        cancel_form=cancel_form,
        token=token,
    )
    return body, 422 if request.method == "POST" else 200


def _apply_change(check: SpecialCheck, end_form: EndDateForm, cancel_form: CancelForm) -> bool:
    if cancel_form.submit.data:
        return _cancel(check, cancel_form)
    if end_form.submit.data:
        return _change_end(check, end_form)
    return False


def _cancel(check: SpecialCheck, form: CancelForm) -> bool:
    if not form.validate():
        return False
    try:
        cancelled = services.cancel(check)
    except CheckRequestError as error:
        form.confirm.errors.append(_rule_message(error.problem))
        return False
    if cancelled:
        flash(pgettext("resident", "Your request is cancelled. We will not visit."), "success")
    return True


def _change_end(check: SpecialCheck, form: EndDateForm) -> bool:
    if not form.validate():
        return False
    try:
        changed = services.change_end_date(check, form.end_date.data)
    except CheckRequestError as error:
        form.end_date.errors.append(_rule_message(error.problem))
        return False
    if changed:
        flash(pgettext("resident", "The last day of the checks is changed."), "success")
    return True


def _rule_message(problem) -> str:
    if problem is CheckState.CANCELLED:
        return pgettext("resident", "This request is cancelled, so it cannot be changed.")
    if problem is CheckState.ENDED:
        return pgettext("resident", "These checks have ended, so they cannot be changed.")
    return date_message(
        problem,
        min_lead_days=int(get_setting("check_min_lead_days")),
        max_length_days=int(get_setting("check_max_length_days")),
    )
