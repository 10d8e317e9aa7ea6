"""Blight citations, the staff blueprint: cases and their steps, notices, lists, and the
admins' codebook, training records and settings."""

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from cso_field import htmx
from cso_field.auth.models import User
from cso_field.citations import lists, notices, services
from cso_field.citations.forms import (
    CaseForm,
    CitationForm,
    CitationSettingsForm,
    CorrectionForm,
    OverrideForm,
    PartyForm,
    ReinspectionForm,
    StepForm,
    TrainingForm,
    ViolationForm,
    WarningForm,
)
from cso_field.citations.models import BlightCase, Notice, Violation
from cso_field.citations.services import CitationError
from cso_field.districts.models import District
from cso_field.documents import pdf_response
from cso_field.extensions import db
from cso_field.htmx import form_error, render, see_other
from cso_field.i18n import RESIDENT_LANGUAGES
from cso_field.photos.services import PhotoError, photos_for, posted_photos
from cso_field.records import services as records
from cso_field.records.location import position_arg
from cso_field.records.registry import can_view
from cso_field.roles import SUPERVISORS, Role, roles, staff
from cso_field.settings import get_setting
from cso_field.storage import StorageError
from cso_field.timeutil import department_today

bp = Blueprint("citations", __name__, url_prefix="/citations")

MESSAGES = {
    "no_violation": _l("Choose at least one violation to cite."),
    "not_trained": _l(
        "Only staff whose citation training is recorded may issue warnings and citations."
    ),
    "wrong_state": _l("This case is no longer at that step; nothing was changed."),
    "deadline_before_observation": _l("The deadline cannot be before the observation date."),
    "deadline_before_notice": _l("The deadline cannot be before the date of the notice."),
    "override_negative": _l("A fine cannot be negative."),
    "override_not_a_number": _l("Enter the fine in dollars, e.g. 150.00."),
    "reason_required": _l("Give the reason."),
    "not_senior": _l("Only a Senior CSO may change a fine."),
    "not_supervisor": _l("Only a Senior CSO or an admin may record this."),
    "not_cited": _l("That violation was not cited."),
    "no_notice": _l("There is no notice to correct."),
    "date_in_future": _l("The date cannot be in the future."),
    "date_before_observation": _l("The date cannot be before the observation."),
    "date_before_citation": _l("The date cannot be before the citation."),
    "hearing_request_late": _l("The deadline to request a hearing had passed on that date."),
    "appeal_late": _l("The deadline to appeal had passed on that date."),
    "payment_not_overdue": _l("The payment is not overdue yet."),
    "unknown_step": _l("Choose one of the options shown."),
    "bad_language": _l("Choose one of the options shown."),
    "section_taken": _l("Another section has this code section."),
    "training_in_future": _l("The training date cannot be in the future."),
    "expiry_before_training": _l("The expiry must be after the training date."),
    "party_required": _l("Enter the responsible party's name and mailing address."),
    "nothing_changed": _l("Nothing was changed: change a detail to correct it."),
    "not_corrector": _l(
        "Only the officer who issued the notice, while trained, or a Senior CSO or an admin "
        "may correct it."
    ),
    "not_allowed": _l(
        "Only the case's author, a trained officer, a Senior CSO or an admin may change this."
    ),
    "notice_issued": _l("A notice was issued: correct the notice instead."),
}
STATUS = {
    "not_trained": 403,
    "not_senior": 403,
    "not_supervisor": 403,
    "not_corrector": 403,
    "not_allowed": 403,
    "wrong_state": 409,
    "no_notice": 409,
    "notice_issued": 409,
}


def _message(error: CitationError) -> str:
    return str(MESSAGES.get(error.code, MESSAGES["wrong_state"]))


def _get_case(record_id: int) -> BlightCase:
    case = db.session.get(BlightCase, record_id)
    if not can_view(current_user, case):
        abort(404)
    return case


# -- Lists --------------------------------------------------------------------------------------


def _list(title, empty, endpoint: str, rows_and_more, rows_template="citations/_rows.html", **args):
    rows, has_more = rows_and_more
    return render(
        "citations/index.html",
        rows_template,
        rows_template=rows_template,
        title=title,
        empty=empty,
        rows=rows,
        has_more=has_more,
        page=htmx.page_arg(),
        endpoint=endpoint,
        more_args=args.pop("more_args", {}),
        today=department_today(),
        **args,
    )


@bp.get("/")
@staff
def index():
    rows = lists.my_open_cases(current_user, htmx.page_arg())
    title, empty = _("My open blight cases"), _("You have no open cases.")
    mine = {"state": "open", "author": current_user.id}  # what its export carries
    return _list(title, empty, "citations.index", rows, export_args=mine)


@bp.get("/reinspections")
@staff
def reinspections():
    lat, lon = position_arg()
    rows = lists.reinspections_due(department_today(), lat, lon, htmx.page_arg())
    title, empty = _("Reinspections due"), _("No reinspection is due today.")
    return _list(
        title,
        empty,
        "citations.reinspections",
        rows,
        "citations/_due_rows.html",
        more_args={"lat": lat, "lon": lon},
        export_args={"state": "due"},
        due_labels=_due_labels(rows[0]),
    )


def _due_labels(rows) -> dict:
    """{date: "Correct by <date>"}, formatted once per date rather than once per row."""
    dates = {row.correction_due for row in rows}
    return {day: _("Correct by %(date)s", date=format_date(day, "medium")) for day in dates}


@bp.get("/overdue")
@staff
def overdue():
    rows = lists.overdue(department_today(), htmx.page_arg())
    overdue_cases = {"state": "overdue"}  # what its export carries
    return _list(
        _("Overdue"), _("Nothing is overdue."), "citations.overdue", rows, export_args=overdue_cases
    )


@bp.get("/overview")
@roles(*SUPERVISORS)
def overview():
    return render_template(
        "citations/overview.html",
        per_violation=lists.per_violation(),
        per_district=lists.per_district(),
    )


@bp.get("/overview/violation/<id:violation_id>")
@roles(*SUPERVISORS)
def overview_violation(violation_id: int):
    """A count's drill-down: the open cases where this section was found."""
    violation = db.session.get(Violation, violation_id) or abort(404)
    rows = lists.open_cases_with(violation.id, htmx.page_arg())
    title = _("Open cases: %(name)s", name=f"{violation.code_section} {violation.title()}")
    endpoint, empty = "citations.overview_violation", _("No open cases.")
    found = {"state": "open", "violation": violation.id}
    more = {"violation_id": violation.id}
    return _list(title, empty, endpoint, rows, more_args=more, export_args=found)


@bp.get("/overview/district/<district>")
@roles(*SUPERVISORS)
def overview_district(district: str):
    """A count's drill-down: the open cases in a district ("none": outside every one)."""
    found = None if district == "none" else _district_or_404(district)
    name = found.name if found else _("No district")
    rows = lists.open_cases_in(found.id if found else None, htmx.page_arg())
    title, empty = _("Open cases: %(name)s", name=name), _("No open cases.")
    more = {"district": found.id if found else "none"}
    carried = {"state": "open", "district": found.id if found else None}
    endpoint = "citations.overview_district"
    return _list(title, empty, endpoint, rows, more_args=more, export_args=carried)


def _district_or_404(raw: str) -> District:
    district = (
        db.session.get(District, int(raw))
        if raw.isascii() and raw.isdigit() and len(raw) < 10
        else None
    )
    return district or abort(404)


# -- A case -------------------------------------------------------------------------------------


def _new_form() -> CaseForm:
    form = CaseForm()
    form.violations.set_choices(
        [(str(v.id), f"{v.code_section} {v.title()}") for v in services.codebook(active_only=True)]
    )
    return form


@bp.route("/new", methods=["GET", "POST"])
@staff
def new():
    form = _new_form()
    if request.method == "GET":
        return render_template("citations/new.html", form=form)
    if not form.validate():
        return _new_form_error(form, 422)
    try:
        case, created = services.open_case(
            form.content(),
            violation_ids=form.violations.ids,
            party=form.party(),
            client_uuid=form.client_uuid.data,
            author=current_user,
            uploads=posted_photos(),
        )
    except (CitationError, records.SubmissionConflict, PhotoError) as error:
        return _new_refused(form, error)
    if created:
        flash(_("Case %(reference)s saved.", reference=case.reference), "success")
    return see_other(url_for("citations.view", record_id=case.id))


def _new_form_error(form: CaseForm, status: int, **extra):
    """The observation form with its errors: alone for htmx, else the whole page."""
    return form_error("citations/new.html", "citations/_case_form.html", status, form=form, **extra)


def _new_refused(form: CaseForm, error: Exception):
    if isinstance(error, PhotoError):
        return _new_form_error(form, error.status, photo_error=str(error))
    if isinstance(error, CitationError):
        form.violations.errors.append(_message(error))
    else:
        form.client_uuid.errors.append(
            _("This form was already sent with other details. Reload the page to start anew.")
        )
    return _new_form_error(form, 422)


def _case_context(case: BlightCase, **forms) -> dict:
    today = department_today()
    cited_items = [(str(i.id), i.violation.code_section) for i in case.violations if i.fine_cents]
    step_form = forms.pop("step_form", None) or StepForm(data={"on": today})
    step_form.action.set_choices(services.steps_for(case, current_user))
    override_form = forms.pop("override_form", None) or OverrideForm()
    override_form.item.set_choices(cited_items)
    citation_form = forms.pop("citation_form", None) or CitationForm(
        data={"violations": [str(item.violation_id) for item in case.violations]}
    )
    correctable = services.correctable_notice(case)
    citation_form.violations.set_choices(
        [
            (str(i.violation_id), f"{i.violation.code_section} {i.violation.title()}")
            for i in case.violations
        ]
    )
    return {
        "case": case,
        "record": case,
        "state": services.state_of(case),
        "S": services.CaseState,
        "may_cite": services.may_cite(current_user, today),
        "deadlines": services.deadlines(case, today),
        "running": services.running_deadlines(case),
        "preview": _fine_preview(case, today),
        "notices": notices.notices_of(case),
        "correctable": correctable,
        "may_correct": correctable is not None and services.may_correct(current_user, correctable),
        "may_edit_party": services.may_edit_party(current_user, case, today),
        "photos": photos_for(case),
        "history": records.history(case),
        "fields": services.BLIGHT_CASES.fields,
        "step_form": step_form,
        "override_form": override_form,
        "citation_form": citation_form,
        "warning_form": forms.pop("warning_form", None) or WarningForm(),
        "reinspection_form": forms.pop("reinspection_form", None) or ReinspectionForm(),
        "is_senior": current_user.role == Role.SENIOR_CSO,
        "can_review": records.can_review(current_user, case),
        "languages": RESIDENT_LANGUAGES,
        **forms,
    }


def _fine_preview(case: BlightCase, today) -> dict:
    """{case violation id: the fine a citation issued today would carry}, before citing."""
    if case.cited_on is not None or case.party_id is None:
        return {}
    return {item.id: services.compute_fine(case, item.violation, today) for item in case.violations}


@bp.get("/<id:record_id>")
@staff
def view(record_id: int):
    case = _get_case(record_id)
    return render_template("citations/view.html", **_case_context(case))


# The case page's forms that htmx posts: on an error only the form comes back, re-rendered.
FRAGMENTS = {
    "reinspection_form": "citations/_reinspection_form.html",
    "step_form": "citations/_step_form.html",
}


def _case_form_error(case: BlightCase, form_name: str, form, status: int, **extra):
    """The case page with a form's errors; for htmx only that form, if it is a fragment."""
    context = _case_context(case, **{form_name: form})
    if form_name in FRAGMENTS:
        return form_error("citations/view.html", FRAGMENTS[form_name], status, **context, **extra)
    return render_template("citations/view.html", **context, **extra), status


def _refused(case: BlightCase, error: CitationError | PhotoError, form_name: str, form):
    if isinstance(error, PhotoError):
        return _case_form_error(case, form_name, form, error.status, photo_error=str(error))
    status, message = STATUS.get(error.code, 422), _message(error)
    return _case_form_error(case, form_name, form, status, error=message, error_in=form_name)


@bp.post("/<id:record_id>/warning")
@staff
def warning(record_id: int):
    case = _get_case(record_id)
    form = WarningForm()
    if not form.validate():
        return _refused_form(case, "warning_form", form)
    try:
        services.warn(case, current_user, correction_due=form.correction_due.data)
    except CitationError as error:
        return _refused(case, error, "warning_form", form)
    flash(_("Warning notice issued."), "success")
    return see_other(url_for("citations.view", record_id=case.id))


def _refused_form(case: BlightCase, form_name: str, form):
    return _case_form_error(case, form_name, form, 422)


@bp.post("/<id:record_id>/reinspection")
@staff
def reinspection(record_id: int):
    case = _get_case(record_id)
    form = ReinspectionForm()
    if not form.validate():
        return _refused_form(case, "reinspection_form", form)
    corrected = form.outcome.data == "corrected"
    try:
        services.reinspect(
            case, current_user, corrected=corrected, notes=form.notes.data, uploads=posted_photos()
        )
    except (CitationError, PhotoError) as error:
        return _refused(case, error, "reinspection_form", form)
    flash(_("Reinspection recorded."), "success")
    return see_other(url_for("citations.view", record_id=case.id))


def _citation_form(case: BlightCase) -> CitationForm:
    form = CitationForm()
    form.violations.set_choices([(str(i.violation_id), "") for i in case.violations])
    return form


@bp.post("/<id:record_id>/citation")
@staff
def citation(record_id: int):
    case = _get_case(record_id)
    form = _citation_form(case)
    if not form.validate():
        return _refused_form(case, "citation_form", form)
    try:
        services.cite(case, current_user, violation_ids=form.violations.ids)
    except CitationError as error:
        return _refused(case, error, "citation_form", form)
    flash(_("Administrative citation issued."), "success")
    return see_other(url_for("citations.view", record_id=case.id))


@bp.post("/<id:record_id>/override")
@roles(Role.SENIOR_CSO)
def override(record_id: int):
    case = _get_case(record_id)
    form = OverrideForm()
    form.item.set_choices([(str(i.id), "") for i in case.violations if i.fine_cents is not None])
    if not form.validate():
        return _refused_form(case, "override_form", form)
    try:
        services.override_fine(
            case,
            int(form.item.data),
            current_user,
            amount=form.amount.data,
            reason=form.reason.data,
        )
    except CitationError as error:
        form.amount.errors.append(_message(error))
        return _refused(case, error, "override_form", form)
    flash(_("Fine changed; a corrected citation was issued."), "success")
    return see_other(url_for("citations.view", record_id=case.id))


@bp.post("/<id:record_id>/steps")
@staff
def step(record_id: int):
    case = _get_case(record_id)
    form = StepForm()
    form.action.set_choices(services.steps_for(case, current_user))
    if not form.validate():
        return _refused_form(case, "step_form", form)
    try:
        services.record_step(
            case, current_user, form.action.data, on=form.on.data, note=form.note.data
        )
    except CitationError as error:
        return _refused(case, error, "step_form", form)
    flash(_("Step recorded."), "success")
    return see_other(url_for("citations.view", record_id=case.id))


# -- Corrections of the party's details and of issued notices ----------------------------------


def _details_page(case: BlightCase, form, status: int = 200, error: str | None = None, **extra):
    template = "citations/correction.html" if "notice" in extra else "citations/party.html"
    return render_template(template, case=case, form=form, error=error, **extra), status


@bp.route("/<id:record_id>/party", methods=["GET", "POST"])
@staff
def party(record_id: int):
    """Before any notice: correct the responsible party's details (a plain edit)."""
    case = _get_case(record_id)
    if case.deleted_at is not None or services.state_of(case) is not services.CaseState.OBSERVED:
        return _details_page(case, None, 409, _message(CitationError("notice_issued")))
    if not services.may_edit_party(current_user, case):
        abort(403)
    form = PartyForm(data=services.party_values(case))
    if request.method == "GET" or not form.validate():
        return _details_page(case, form, 200 if request.method == "GET" else 422)
    try:
        services.edit_party(case, current_user, form.values())
    except CitationError as error:
        return _details_page(case, form, STATUS.get(error.code, 422), _message(error))
    flash(_("The responsible party's details were saved."), "success")
    return see_other(url_for("citations.view", record_id=case.id))


@bp.route("/<id:record_id>/correction", methods=["GET", "POST"])
@staff
def correction(record_id: int):
    """Correct an issued warning or citation: reissued as its next version, the old kept."""
    case = _get_case(record_id)
    current = services.correctable_notice(case)
    if current is None:
        return _details_page(case, None, 409, _message(CitationError("no_notice")), notice=None)
    if not services.may_correct(current_user, current):
        abort(403)
    form = CorrectionForm(data=services.party_values(case))
    if request.method == "GET" or not form.validate():
        status = 200 if request.method == "GET" else 422
        return _details_page(case, form, status, notice=current)
    try:
        services.correct_notice(case, current_user, form.values(), form.reason.data)
    except (CitationError, StorageError) as error:
        message = _message(error) if isinstance(error, CitationError) else _STORAGE_MESSAGE
        status = STATUS.get(error.code, 422) if isinstance(error, CitationError) else 503
        return _details_page(case, form, status, str(message), notice=current)
    flash(_("Corrected notice issued; the earlier version is kept."), "success")
    return see_other(url_for("citations.view", record_id=case.id))


_STORAGE_MESSAGE = _l("The notice could not be stored, so nothing was changed. Try again.")


# -- Notices ------------------------------------------------------------------------------------


def _get_notice(notice_id: int) -> Notice:
    notice = db.session.get(Notice, notice_id)
    if notice is None or not can_view(current_user, notice.case):
        abort(404)
    return notice


@bp.get("/notices/<id:notice_id>")
@staff
def notice(notice_id: int):
    notice = _get_notice(notice_id)
    return render_template(
        notices.DOCUMENT_TEMPLATE,
        snapshot=notice.snapshot,
        notice=notice,
        document_lang=notice.language,
        pdf=False,
    )


@bp.get("/notices/<id:notice_id>/pdf")
@staff
def notice_pdf(notice_id: int):
    notice = _get_notice(notice_id)
    if not notice.pdf_key:  # removed after the case's retention period
        flash(_("This notice's PDF was removed after its retention period."), "info")
        return see_other(url_for("citations.view", record_id=notice.case_id))
    try:
        content = notices.stored_pdf(notice)
    except (StorageError, ValueError):
        abort(503)
    return pdf_response(content, f"{notice.snapshot['number']}.pdf")


# -- The codebook, training and settings --------------------------------------------------------


@bp.get("/codebook")
@roles(Role.ADMIN)
def codebook():
    return render_template("citations/codebook.html", violations=services.codebook())


@bp.route("/codebook/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def codebook_new():
    return _edit_violation(None)


@bp.route("/codebook/<id:violation_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def codebook_edit(violation_id: int):
    violation = db.session.get(Violation, violation_id) or abort(404)
    return _edit_violation(violation)


def _edit_violation(violation: Violation | None):
    form = ViolationForm(data=_violation_data(violation) if violation else None)
    if request.method == "GET" or not form.validate():
        status = 200 if request.method == "GET" else 422
        return render_template("citations/violation.html", form=form, violation=violation), status
    try:
        services.save_violation(violation, form.values(), current_user)
    except CitationError as error:
        form.code_section.errors.append(_message(error))
        return render_template("citations/violation.html", form=form, violation=violation), 422
    flash(_("Codebook section saved."), "success")
    return see_other(url_for("citations.codebook"))


def _violation_data(violation: Violation) -> dict:
    data = {
        "code_section": violation.code_section,
        "schedule": violation.schedule,
        "lookback_days": str(violation.lookback_days),
        "correction_days": str(violation.correction_days),
        "is_example": violation.is_example,
        "active": violation.active,
    }
    for number, cents in enumerate(violation.custom_amounts or (), start=1):
        data[f"amount_{number}"] = f"{cents / 100:.2f}"
    for code in RESIDENT_LANGUAGES:
        data[f"title_{code}"] = violation.titles.get(code, "")
        data[f"description_{code}"] = violation.descriptions.get(code, "")
    return data


@bp.route("/training", methods=["GET", "POST"])
@roles(*SUPERVISORS)
def training():
    form = TrainingForm(data={"trained_on": department_today()})
    people = services.trainings()
    form.user.set_choices([(str(user.id), user.display_name) for user, _t in people])
    if request.method == "GET" or not form.validate():
        status = 200 if request.method == "GET" else 422
        return render_template("citations/training.html", form=form, people=people), status
    try:
        services.record_training(
            db.session.get(User, int(form.user.data)),
            trained_on=form.trained_on.data,
            expires_on=form.expires_on.data,
            note=form.note.data,
            by=current_user,
        )
    except CitationError as error:
        form.trained_on.errors.append(_message(error))
        return render_template("citations/training.html", form=form, people=people), 422
    flash(_("Training recorded."), "success")
    return see_other(url_for("citations.training"))


@bp.route("/settings", methods=["GET", "POST"])
@roles(Role.ADMIN)
def settings():
    names = services.SETTINGS_DEFAULTS
    form = CitationSettingsForm(data={key: str(get_setting(key)) for key in names})
    if request.method == "GET" or not form.validate():
        status = 200 if request.method == "GET" else 422
        return render_template("citations/settings.html", form=form), status
    changed = services.save_settings(form.values(), current_user)
    flash(_("Settings saved.") if changed else _("Nothing had changed."), "success")
    return see_other(url_for("citations.settings"))
