"""Missing persons, the staff screens: list, take a report, the report with its deadline
steps, found, searchers, posters and their distribution."""

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from cso_field import htmx
from cso_field.auth.models import User
from cso_field.documents import pdf_response, render_pdf
from cso_field.extensions import db
from cso_field.htmx import form_error, render, see_other
from cso_field.i18n import RESIDENT_LANGUAGES, resident_language_code
from cso_field.missing_persons import notices, searches, services
from cso_field.missing_persons.forms import (
    AreaForm,
    DeadlineSettingsForm,
    DistributionForm,
    FoundForm,
    NotificationForm,
    PosterForm,
    ReportForm,
    SearcherForm,
    SearchLogForm,
    StepForm,
)
from cso_field.missing_persons.models import (
    AtRisk,
    Delivery,
    DistributionChannel,
    MissingPerson,
    Outcome,
    ParentNotification,
    Poster,
    State,
    StepKind,
)
from cso_field.records import services as records
from cso_field.roles import SUPERVISORS, Role, roles, staff
from cso_field.settings import get_setting
from cso_field.timeutil import utcnow

bp = Blueprint("missing_persons", __name__, url_prefix="/missing")

ERRORS = {
    "no_step": lambda: _("This report has no such step."),
    "done": lambda: _("This step was already recorded."),
    "number": lambda: _("Enter the MUPS/CLETS record number."),
    "found": lambda: _("This person was already found."),
    "withdrawn": lambda: _("This poster was withdrawn: the person was found."),
    "adult": lambda: _("Parent notifications are for juveniles only."),
}


def _report_or_404(record_id: int) -> MissingPerson:
    report = db.session.get(MissingPerson, record_id)
    if not services.can_open(current_user, report):
        abort(404)
    return report


def _poster_or_404(poster_id: int) -> tuple[Poster, MissingPerson]:
    poster = db.session.get(Poster, poster_id)
    if poster is None:
        abort(404)
    report = _report_or_404(poster.report_id)
    services.opened(report, current_user)  # a poster shows the person: audited as a view
    return poster, report


DEFAULT_MAP_CENTRE = (37.9577, -121.2908)
HISTORY_ACTIONS = {
    "created": _l("Report taken"),
    "step": _l("Step recorded"),
    "found": _l("Found"),
}


@bp.context_processor
def _helpers() -> dict:
    return {
        "default_centre": DEFAULT_MAP_CENTRE,
        "shown_name": lambda report: services.shown_name(current_user, report),
        "step_form": lambda step: StepForm(formdata=None),
        "at_risk_label": lambda value: AtRisk(value).label,
        "channel_label": lambda value: DistributionChannel(value).label,
        "delivery_label": lambda value: Delivery(value).label,
        "outcome_label": lambda value: Outcome(value).label,
        "language_name": lambda code: RESIDENT_LANGUAGES[resident_language_code(code)].name,
        "history_label": lambda action: str(HISTORY_ACTIONS.get(action, action)),
    }


@bp.get("/")
@staff
def index():
    state = request.args.get("state") if request.args.get("state") in set(State) else "open"
    page = htmx.page_arg()
    rows, has_more = services.list_reports(state, page)
    return render(
        "missing_persons/index.html",
        "missing_persons/_rows.html",
        rows=rows,
        has_more=has_more,
        page=page,
        state=state,
        more_args={"state": state},
    )


@bp.route("/new", methods=["GET", "POST"])
@staff
def new():
    form = ReportForm()
    if request.method == "GET":
        return render_template("missing_persons/new.html", form=form)
    if not form.validate():
        return form_error("missing_persons/new.html", "missing_persons/_form.html", 422, form=form)
    try:
        report, created = services.take_report(
            form.content(), client_uuid=form.client_uuid.data, author=current_user
        )
    except records.SubmissionConflict:
        form.client_uuid.errors.append(
            _("This form was already sent with different content. Reload the page to start again.")
        )
        return form_error("missing_persons/new.html", "missing_persons/_form.html", 422, form=form)
    if created:
        flash(_("Report %(reference)s taken.", reference=report.reference), "success")
    return see_other(url_for("missing_persons.view", record_id=report.id))


def _view(report: MissingPerson, status: int = 200, **forms):
    context = {
        "report": report,
        "record": report,
        "juvenile": services.is_juvenile(report),
        "age": services.age(report),
        "countdowns": services.countdowns(report),
        "step_forms": forms.pop("step_forms", {}),
        "found_form": forms.pop("found_form", None) or FoundForm(formdata=None),
        "poster_form": forms.pop("poster_form", None) or PosterForm(formdata=None),
        "searchers": services.searchers(report),
        "posters": notices.posters_of(report),
        "history": records.history(report),
        "fields": services.MISSING_PERSONS.fields,
        "notification_form": forms.pop("notification_form", None)
        or NotificationForm(formdata=None, language=report.guardian_language),
        "notifications": notices.notifications_of(report),
        "searcher_form": forms.pop("searcher_form", None) or _searcher_form(formdata=None),
    }
    return render_template("missing_persons/view.html", **context), status


def _searcher_form(**kwargs) -> SearcherForm:
    form = SearcherForm(**kwargs)
    form.user.choices = [
        SelectChoice(str(value), label) for value, label in services.searcher_choices()
    ]
    return form


@bp.get("/<id:record_id>")
@staff
def view(record_id: int):
    report = _report_or_404(record_id)
    services.opened(report, current_user)
    return _view(report)


@bp.get("/<id:record_id>/steps")
@staff
def steps(record_id: int):
    """The countdowns, polled by the report's page."""
    report = _report_or_404(record_id)
    return render_template(
        "missing_persons/_steps.html",
        report=report,
        countdowns=services.countdowns(report),
        step_forms={},
    )


@bp.get("/due")
@staff
def due():
    """The Today card's countdowns, polled by Today."""
    return render_template(
        "missing_persons/_today_card.html",
        card={"countdowns": services.open_steps_for(current_user)},
    )


@bp.post("/<id:record_id>/steps/<kind>")
@staff
def close_step(record_id: int, kind: str):
    report = _report_or_404(record_id)
    if kind not in set(StepKind):
        abort(404)
    form = StepForm()
    if not form.validate():
        return _view(report, 422, step_forms={kind: form})
    try:
        services.close_step(
            report,
            StepKind(kind),
            current_user,
            done_at=form.done_at.data or utcnow(),
            record_number=form.record_number.data,
            note=form.note.data,
        )
    except services.MissingPersonError as error:
        db.session.rollback()
        form.record_number.errors.append(ERRORS[error.code]())
        return _view(report, 422 if error.code == "number" else 409, step_forms={kind: form})
    flash(_("%(step)s recorded.", step=StepKind(kind).label), "success")
    return see_other(url_for("missing_persons.view", record_id=report.id))


@bp.post("/<id:record_id>/found")
@staff
def found(record_id: int):
    report = _report_or_404(record_id)
    form = FoundForm()
    if not form.validate():
        return _view(report, 422, found_form=form)
    try:
        services.mark_found(
            report,
            current_user,
            found_at=form.found_at.data or utcnow(),
            place=form.found_place.data,
            notified=form.found_notified.data,
        )
    except services.MissingPersonError as error:
        db.session.rollback()
        flash(ERRORS[error.code](), "error")
        return see_other(url_for("missing_persons.view", record_id=report.id))
    flash(_("Marked as found: the removal steps have started."), "success")
    return see_other(url_for("missing_persons.view", record_id=report.id))


@bp.post("/<id:record_id>/searchers")
@roles(*SUPERVISORS)
def add_searcher(record_id: int):
    report = _report_or_404(record_id)
    form = _searcher_form()
    if not form.validate():
        return _view(report, 422, searcher_form=form)
    searcher = db.session.get(User, int(form.user.data))
    if services.assign_searcher(report, searcher, current_user):
        flash(_("%(name)s assigned to the search.", name=searcher.display_name), "success")
    return see_other(url_for("missing_persons.view", record_id=report.id))


@bp.post("/<id:record_id>/posters")
@staff
def new_poster(record_id: int):
    report = _report_or_404(record_id)
    form = PosterForm()
    if not form.validate():
        return _view(report, 422, poster_form=form)
    try:
        poster = notices.make_poster(
            report, current_user, form.language.data, form.contact_phone.data
        )
    except services.MissingPersonError as error:
        db.session.rollback()
        flash(ERRORS[error.code](), "error")
        return see_other(url_for("missing_persons.view", record_id=report.id))
    return see_other(url_for("missing_persons.poster", poster_id=poster.id))


# -- Searches: the live board, areas and searchers' logs ---------------------------------------


def _area_form(report: MissingPerson, **kwargs) -> AreaForm:
    form = AreaForm(**kwargs)
    choices = services.searcher_choices()
    form.assignee.choices = [SelectChoice(str(value), label) for value, label in choices]
    return form


def _log_form(areas, **kwargs) -> SearchLogForm:
    form = SearchLogForm(**kwargs)
    none = SelectChoice("", _("Not a listed area"))
    form.area.choices = [none, *(SelectChoice(str(area.id), area.name) for area in areas)]
    return form


def _board(report: MissingPerson, status: int = 200, **forms):
    areas = searches.areas_of(report)
    return render_template(
        "missing_persons/board.html",
        report=report,
        areas=areas,
        entries=searches.feed(report),
        area_form=forms.get("area_form") or _area_form(report, formdata=None),
        log_form=forms.get("log_form") or _log_form(areas, formdata=None),
    ), status


@bp.get("/<id:record_id>/board")
@staff
def board(record_id: int):
    report = _report_or_404(record_id)
    services.opened(report, current_user)
    return _board(report)


@bp.get("/<id:record_id>/board/feed")
@staff
def board_feed(record_id: int):
    """The board's log entries, polled every 20 seconds."""
    report = _report_or_404(record_id)
    return render_template(
        "missing_persons/_feed.html", report=report, entries=searches.feed(report)
    )


@bp.post("/<id:record_id>/areas")
@roles(*SUPERVISORS)
def add_area(record_id: int):
    report = _report_or_404(record_id)
    form = _area_form(report)
    if not form.validate():
        return _board(report, 422, area_form=form)
    searches.add_area(report, current_user, form.content())
    flash(_("Area %(name)s assigned.", name=form.name.data), "success")
    return see_other(url_for("missing_persons.board", record_id=report.id))


@bp.post("/<id:record_id>/logs")
@staff
def add_log(record_id: int):
    report = _report_or_404(record_id)
    form = _log_form(searches.areas_of(report))
    if not form.validate():
        return _board(report, 422, log_form=form)
    searches.add_log(report, current_user, form.content())
    flash(_("Search logged."), "success")
    return see_other(url_for("missing_persons.board", record_id=report.id))


# -- Parent notifications ------------------------------------------------------------------------


@bp.post("/<id:record_id>/notifications")
@staff
def notify(record_id: int):
    report = _report_or_404(record_id)
    form = NotificationForm()
    if not form.validate():
        return _view(report, 422, notification_form=form)
    try:
        sent = notices.record_notification(report, current_user, form.content())
    except services.MissingPersonError as error:
        db.session.rollback()
        flash(ERRORS[error.code](), "error")
        return see_other(url_for("missing_persons.view", record_id=report.id))
    return see_other(url_for("missing_persons.letter", notification_id=sent.id))


def _notification_or_404(notification_id: int):
    sent = db.session.get(ParentNotification, notification_id)
    if sent is None:
        abort(404)
    report = _report_or_404(sent.report_id)
    services.opened(report, current_user)  # the letter names the child: audited as a view
    return sent, report


@bp.get("/notifications/<id:notification_id>")
@staff
def letter(notification_id: int):
    sent, report = _notification_or_404(notification_id)
    context = notices.letter_context(report, sent)
    return render_template(notices.LETTER_TEMPLATE, pdf=False, **context)


@bp.get("/notifications/<id:notification_id>/pdf")
@staff
def letter_pdf(notification_id: int):
    sent, report = _notification_or_404(notification_id)
    rendered = render_pdf(notices.LETTER_TEMPLATE, **notices.letter_context(report, sent))
    return pdf_response(rendered, f"{report.reference}-letter-{sent.language}.pdf")


@bp.route("/settings", methods=["GET", "POST"])
@roles(Role.ADMIN)
def settings():
    form = DeadlineSettingsForm(
        data={name: str(get_setting(key)) for name, key in DeadlineSettingsForm.KEYS.items()}
    )
    if request.method == "GET" or not form.validate():
        status = 200 if request.method == "GET" else 422
        return render_template("missing_persons/settings.html", form=form), status
    changed = services.save_settings(form.values(), current_user)
    flash(_("Settings saved.") if changed else _("Nothing had changed."), "success")
    return see_other(url_for("missing_persons.settings"))


@bp.get("/posters/<id:poster_id>")
@staff
def poster(poster_id: int):
    poster, report = _poster_or_404(poster_id)
    return render_template(
        notices.DOCUMENT_TEMPLATE,
        pdf=False,
        form=DistributionForm(formdata=None),
        distributions=notices.distributions_of(poster),
        **notices.poster_context(report, poster),
    )


@bp.get("/posters/<id:poster_id>/pdf")
@staff
def poster_pdf(poster_id: int):
    poster, report = _poster_or_404(poster_id)
    rendered = render_pdf(notices.DOCUMENT_TEMPLATE, **notices.poster_context(report, poster))
    return pdf_response(rendered, f"{report.reference}-poster-{poster.language}.pdf")


@bp.post("/posters/<id:poster_id>/distribution")
@staff
def distribute(poster_id: int):
    poster, report = _poster_or_404(poster_id)
    form = DistributionForm()
    if not form.validate():
        context = notices.poster_context(report, poster)
        html = render_template(
            notices.DOCUMENT_TEMPLATE,
            pdf=False,
            form=form,
            distributions=notices.distributions_of(poster),
            **context,
        )
        return html, 422
    try:
        notices.log_distribution(
            poster,
            current_user,
            {
                "agency": form.agency.data,
                "person": form.person.data or None,
                "channel": form.channel.data,
            },
        )
    except services.MissingPersonError as error:
        db.session.rollback()
        flash(ERRORS[error.code](), "error")
    return see_other(url_for("missing_persons.poster", poster_id=poster.id))
