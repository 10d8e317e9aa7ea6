"""Community programs, the resident blueprint: booking a fingerprinting appointment and the
private link to cancel or move it.

No account is needed. Every page renders inside `resident_language()`, as the special-check
request does (the same language handling, honeypot and hourly limit per address).
"""

from flask import Blueprint, current_app, flash, render_template, request, url_for
from flask_babel import pgettext

from cso_field.community import services
from cso_field.community.forms import BookingForm, CancelForm, MoveForm, choices, slot_choices
from cso_field.community.models import FingerprintAppointment
from cso_field.community.notices import slot_label
from cso_field.community.services import BookingError, TooManyRequests
from cso_field.htmx import see_other
from cso_field.i18n import RESIDENT_LANGUAGES, Language, resident_language, visitor_language
from cso_field.records.registry import ResidentArea, register_resident_area
from cso_field.records.services import SubmissionConflict
from cso_field.roles import public
from cso_field.timeutil import department_today

bp = Blueprint("community_public", __name__, url_prefix="/fingerprinting")


def expired_form(language_code: str):
    """An expired booking form comes back with what the resident typed and a fresh token."""
    with resident_language(language_code) as language:
        return _form_page(BookingForm(language=language.code), language, 400, expired=True)


register_resident_area(
    ResidentArea(bp.url_prefix, "community_public.book", visitor_language, expired_form)
)


def _offer(field, keep=None) -> None:
    """The slots a resident may pick, without `keep` (the slot they already have)."""
    slots = services.bookable_slots()
    offered = [choice for choice in slot_choices(slots, slot_label) if choice[0] != str(keep)]
    field.choices = choices([("", pgettext("resident", "Choose a day and time")), *offered])


@bp.route("/", methods=["GET", "POST"])
@public
def book():
    with resident_language(visitor_language()) as language:
        return _book(language)


def _book(language: Language):
    form = BookingForm(language=language.code)
    if request.method == "GET":
        return _form_page(form, language, 200)
    if form.website.data:
        current_app.logger.info("fingerprint booking refused: honeypot filled")
        return _form_page(form, language, 422, refused=True)
    _offer(form.slot)
    if not form.validate():
        return _form_page(form, language, 422)
    try:
        appointment, created, token = services.book(
            client_uuid=form.client_uuid.data,
            content=form.content(),
            client_address=request.remote_addr,
        )
    except TooManyRequests:
        current_app.logger.warning("fingerprint booking refused: rate limit")
        return render_template("community/public/too_many.html"), 429
    except (SubmissionConflict, BookingError) as error:
        form.slot.errors.append(_refusal(error))
        return _form_page(form, language, 422)
    return _receipt(appointment, token), 201 if created else 200


def _refusal(error: Exception) -> str:
    if isinstance(error, SubmissionConflict):
        return pgettext(
            "resident",
            "This form was already sent with other details. Reload the page to book again.",
        )
    if error.code == "slot_full":
        return pgettext("resident", "This time was just taken. Choose another time.")
    if error.code == "cancelled":
        return pgettext("resident", "This appointment is cancelled, so it cannot be changed.")
    if error.code == "too_late":
        return pgettext(
            "resident", "It is too late to change this appointment. Call us to change it."
        )
    return pgettext("resident", "This time is no longer offered. Choose another time.")


def _form_page(form: BookingForm, language: Language, status: int, refused=False, expired=False):
    _offer(form.slot)
    body = render_template(
        "community/public/form.html",
        form=form,
        language=language,
        languages=RESIDENT_LANGUAGES.values(),
        refused=refused,
        expired=expired,
    )
    return body, status


def _receipt(appointment: FingerprintAppointment, token: str | None) -> str:
    # The receipt shows the private link: it also goes by email when one was given.
    link = services.manage_url(token) if token else None
    return render_template(
        "community/public/receipt.html",
        appointment=appointment,
        slot_text=slot_label(appointment.slot),
        manage_link=link,
        letter_date=department_today(),
    )


@bp.route("/manage/<token>", methods=["GET", "POST"])
@public
def manage(token: str):
    appointment = services.find_by_token(token)
    if appointment is None:
        with resident_language(visitor_language()):
            return render_template("community/public/not_found.html"), 404
    with resident_language(appointment.language):
        return _manage(appointment, token)


def _manage(appointment: FingerprintAppointment, token: str):
    move_form, cancel_form = MoveForm(prefix="move"), CancelForm(prefix="cancel")
    _offer(move_form.slot, keep=appointment.slot_id)
    if request.method == "POST" and _apply_change(appointment, move_form, cancel_form):
        return see_other(url_for("community_public.manage", token=token))
    body = render_template(
        "community/public/manage.html",
        appointment=appointment,
        state=services.state_of(appointment),
        slot_text=slot_label(appointment.slot),
        move_form=move_form,
        cancel_form=cancel_form,
        token=token,
    )
    return body, 422 if request.method == "POST" else 200


def _apply_change(appointment, move_form: MoveForm, cancel_form: CancelForm) -> bool:
    form = cancel_form if cancel_form.submit.data else move_form if move_form.submit.data else None
    if form is None or not form.validate():
        return False
    try:
        if form is cancel_form:
            changed = services.cancel(appointment)
            message = pgettext("resident", "Your appointment is cancelled.")
        else:
            changed = services.move(appointment, move_form.slot.slot_id)
            message = pgettext("resident", "Your appointment is moved.")
    except BookingError as error:
        (cancel_form.confirm if form is cancel_form else move_form.slot).errors.append(
            _refusal(error)
        )
        return False
    if changed:
        flash(message, "success")
    return True
