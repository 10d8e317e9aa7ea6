"""Surveys, the staff blueprint: Senior CSOs' survey list, XLSForm import and download and a
survey's page; every officer's canvasses, the door-to-door screen, the questionnaire and a
recorded contact."""

from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from cso_field import htmx
from cso_field.districts.services import district_filter_arg, districts_for_filter
from cso_field.extensions import db
from cso_field.htmx import render, see_other
from cso_field.i18n import (
    RESIDENT_LANGUAGES,
    render_for_resident,
    resident_language,
    resident_language_code,
)
from cso_field.neighborhood_watch.forms import WatchInterestForm
from cso_field.neighborhood_watch.services import signup_from
from cso_field.photos.services import PhotoError, photos_for, posted_photos
from cso_field.records import services as records
from cso_field.records.registry import can_view
from cso_field.roles import SUPERVISORS, Role, roles, staff
from cso_field.surveys import editor, results, services
from cso_field.surveys.forms import (
    MAX_XLSFORM_BYTES,
    CanvassForm,
    CloseCanvassForm,
    ContactForm,
    MoveQuestionForm,
    NewSurveyForm,
    QuestionForm,
    RemoveQuestionForm,
    XLSFormUploadForm,
)
from cso_field.surveys.models import Canvass, Survey, SurveyResponse, SurveyVersion
from cso_field.surveys.xlsform import Problem, XLSFormError, export_xlsform, import_xlsform

bp = Blueprint("surveys", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# -- Surveys (Senior CSOs and admins) ----------------------------------------------------------


@bp.get("/surveys/")
@roles(*SUPERVISORS)
def index():
    page = htmx.page_arg()
    surveys, has_more = services.list_surveys(page)
    return render(
        "surveys/index.html", "surveys/_rows.html", surveys=surveys, has_more=has_more, page=page
    )


def _uploaded(form: XLSFormUploadForm):
    """The upload's definition, or the problems to show (by sheet, row and column)."""
    data = form.xlsform.data.stream.read(MAX_XLSFORM_BYTES + 1)
    if len(data) > MAX_XLSFORM_BYTES:
        return None, [Problem("-", None, None, _("The file is larger than 2 MB."))]
    try:
        imported = import_xlsform(data)
    except XLSFormError as error:
        return None, error.problems
    for notice in imported.notices:
        flash(str(notice), "info")
    return imported.definition, []


@bp.route("/surveys/import", methods=["GET", "POST"])
@roles(*SUPERVISORS)
def import_survey():
    form = XLSFormUploadForm()
    if request.method == "GET":
        return render_template("surveys/import.html", form=form, problems=[])
    problems = []
    if form.validate():
        definition, problems = _uploaded(form)
        if definition is not None:
            survey = services.save_survey(definition, current_user)
            flash(_("Survey “%(name)s” imported.", name=survey.name), "success")
            return see_other(url_for("surveys.view", survey_id=survey.id))
    return render_template("surveys/import.html", form=form, problems=problems), 422


def _get_survey_or_404(survey_id: int) -> Survey:
    survey = db.session.get(Survey, survey_id)
    if survey is None or survey.archived_at is not None:
        abort(404)
    return survey


def _version_arg(survey: Survey) -> SurveyVersion:
    number = request.args.get("version", type=int)
    chosen = next((v for v in survey.versions if v.number == number), None)
    return chosen or services.current_version(survey)


@bp.get("/surveys/<id:survey_id>")
@roles(*SUPERVISORS)
def view(survey_id: int):
    survey = _get_survey_or_404(survey_id)
    version = _version_arg(survey)
    language = resident_language_code(request.args.get("lang"))
    return render_template(
        "surveys/view.html",
        survey=survey,
        version=version,
        language=language,
        languages=RESIDENT_LANGUAGES.values(),
        responses=services.response_count(version),
        form=XLSFormUploadForm(),
        problems=[],
    )


@bp.post("/surveys/<id:survey_id>/revise")
@roles(*SUPERVISORS)
def revise(survey_id: int):
    survey = _get_survey_or_404(survey_id)
    form = XLSFormUploadForm()
    problems = []
    if form.validate():
        definition, problems = _uploaded(form)
        if definition is not None:
            version = services.revise_survey(survey, definition, current_user)
            flash(_("Survey saved as version %(number)d.", number=version.number), "success")
            return see_other(url_for("surveys.view", survey_id=survey.id))
    version = services.current_version(survey)
    return render_template(
        "surveys/view.html",
        survey=survey,
        version=version,
        language="en",
        languages=RESIDENT_LANGUAGES.values(),
        responses=services.response_count(version),
        form=form,
        problems=problems,
    ), 422


@bp.get("/surveys/<id:survey_id>/xlsform")
@roles(*SUPERVISORS)
def download(survey_id: int):
    survey = _get_survey_or_404(survey_id)
    version = _version_arg(survey)
    body = export_xlsform(services.definition_of(version))
    filename = f"{version.form_id}-v{version.number}.xlsx"
    return Response(
        body,
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _filters() -> results.Filters:
    return results.Filters(district_filter_arg(), _date_arg("from"), _date_arg("to"))


@bp.get("/surveys/<id:survey_id>/results")
@roles(*SUPERVISORS)
def results_page(survey_id: int):
    survey = _get_survey_or_404(survey_id)
    version = _version_arg(survey)
    filters, language = _filters(), resident_language_code(request.args.get("lang"))
    return render_template(
        "surveys/results.html",
        survey=survey,
        version=version,
        filters=filters,
        language=language,
        languages=RESIDENT_LANGUAGES.values(),
        districts=districts_for_filter(),
        completed=results.completed_count(version, filters),
        charts=results.choice_results(version, filters, language),
        texts=results.text_answers(version, filters),
    )


@bp.get("/surveys/needs")
@roles(*SUPERVISORS)
def needs_assessment():
    filters, language = _filters(), resident_language_code(request.args.get("lang"))
    return render_template(
        "surveys/needs.html",
        filters=filters,
        language=language,
        languages=RESIDENT_LANGUAGES.values(),
        districts=districts_for_filter(),
        needs=results.needs_assessment(filters, language, services.outcome_labels()),
    )


@bp.get("/surveys/<id:survey_id>/export.<any(csv, xlsx):kind>")
@roles(*SUPERVISORS)
def export(survey_id: int, kind: str):
    survey = _get_survey_or_404(survey_id)
    version = _version_arg(survey)
    filters, language = _filters(), resident_language_code(request.args.get("lang"))
    results.audit_export(version, kind, language, filters)
    filename = f"{version.form_id}-v{version.number}-{language}.{kind}"
    plan = results.export_plan(version, filters, language)
    if kind == "xlsx":
        handle = results.xlsx_file(plan)
        return send_file(handle, mimetype=XLSX, as_attachment=True, download_name=filename)
    return Response(
        results.csv_stream(current_app._get_current_object(), plan),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# -- Canvasses (every officer) -----------------------------------------------------------------


@bp.route("/canvass/", methods=["GET", "POST"])
@staff
def canvasses():
    form = CanvassForm(surveys=services.published_surveys())
    if request.method == "POST" and form.validate():
        survey = _get_survey_or_404(form.survey.data)
        canvass, _created = services.start_canvass(
            survey, form.area.data, current_user, form.client_uuid.data
        )
        return see_other(url_for("surveys.canvass", canvass_id=canvass.id))
    body = render_template(
        "surveys/canvasses.html", form=form, open=services.open_canvasses_of(current_user, 10)
    )
    return body, 422 if request.method == "POST" else 200


def _get_canvass_or_404(canvass_id: int) -> Canvass:
    canvass = db.session.get(Canvass, canvass_id)
    if canvass is None or (canvass.deleted_at is not None and current_user.role != Role.ADMIN):
        abort(404)
    return canvass


def _canvass_page(canvass: Canvass, form: ContactForm, status: int = 200, **extra):
    body = render_template(
        "surveys/canvass.html",
        canvass=canvass,
        form=form,
        progress=services.canvass_progress(canvass),
        come_back=services.come_back_list(canvass),
        recent=services.recent_contacts(canvass),
        outcomes=list(services.Outcome),
        close_form=CloseCanvassForm(),
        **extra,
    )
    return body, status


@bp.get("/canvass/<id:canvass_id>")
@staff
def canvass(canvass_id: int):
    canvass = _get_canvass_or_404(canvass_id)
    form = ContactForm(address=request.args.get("address"))
    return _canvass_page(canvass, form)


def _watch_form(language: str) -> WatchInterestForm:
    """The Neighborhood Watch interest section as posted; its language follows the
    questionnaire's until the resident ticks the section."""
    if not any(name.startswith("watch:") for name in request.form):
        return WatchInterestForm(formdata=None, language=language)
    watch = WatchInterestForm()
    if "switch_language" in request.form and not watch.interested.data:
        watch.language.data = language
    return watch


def _questionnaire(canvass: Canvass, form: ContactForm, problems: dict, watch=None) -> Markup:
    """The questionnaire in the resident's language; the officer's page around it keeps the
    officer's language."""
    language = resident_language_code(request.form.get("switch_language") or form.language.data)
    version = services.current_version(canvass.survey)
    values = request.form if request.method == "POST" else MultiDict()
    return Markup(  # noqa: S704 (an autoescaped template's output)
        render_for_resident(
            "surveys/_questionnaire.html",
            language,
            canvass=canvass,
            version=version,
            language=language,
            form=form,
            values=values,
            problems=problems,
            shown=services.shown_questions(version, values),
            languages=RESIDENT_LANGUAGES.values(),
            watch=watch or _watch_form(language),
        )
    )


@bp.get("/canvass/<id:canvass_id>/questionnaire")
@staff
def questionnaire(canvass_id: int):
    canvass = _get_canvass_or_404(canvass_id)
    form = ContactForm(
        formdata=None,
        language=resident_language_code(request.args.get("lang")),
        address=request.args.get("address"),
    )
    return render_template(
        "surveys/questionnaire.html",
        canvass=canvass,
        form=form,
        questionnaire=_questionnaire(canvass, form, {}),
    )


def _answers_sent() -> bool:
    """True when the questionnaire was sent; False for the "Completed" tap that opens it and
    for the resident choosing another language (both save nothing)."""
    return "answers" in request.form and "switch_language" not in request.form


def _posted_answers() -> dict:
    return {name: request.form.getlist(name) for name in request.form}


@bp.post("/canvass/<id:canvass_id>/contacts")
@staff
def contact(canvass_id: int):
    canvass = _get_canvass_or_404(canvass_id)
    form, watch = ContactForm(), None
    if not form.validate():
        return _contact_refused(canvass, form, {})
    if form.outcome.data == "completed":
        if not _answers_sent():
            return _contact_refused(canvass, form, {}, 200)  # the questionnaire, nothing saved
        watch = _checked_watch_interest(form)
    try:
        response, created = _record(canvass, form, watch)
    except services.AnswersRefused as refused:
        return _contact_refused(canvass, form, refused.problems, watch=watch)
    except (services.SurveyRuleError, records.SubmissionConflict, PhotoError) as error:
        return _contact_refused(canvass, form, {}, _refusal(form, error), watch=watch)
    if created:
        flash(_recorded_message(response), "success")
    return see_other(url_for("surveys.canvass", canvass_id=canvass.id))


def _checked_watch_interest(form: ContactForm) -> WatchInterestForm:
    """The interest section, validated in the resident's language (its messages are theirs)."""
    watch = WatchInterestForm()
    with resident_language(resident_language_code(form.language.data)):
        watch.validate()
    return watch


def _recorded_message(response: SurveyResponse) -> str:
    return _(
        "%(address)s: %(outcome)s, recorded.",
        address=response.address or "—",
        outcome=services.Outcome(response.outcome).label,
    )


def _record(canvass: Canvass, form: ContactForm, watch: WatchInterestForm | None):
    return services.record_contact(
        canvass,
        current_user,
        outcome=form.outcome.data,
        location=form_location(form),
        language=resident_language_code(form.language.data),
        form=_posted_answers(),
        client_uuid=form.client_uuid.data,
        uploads=posted_photos(),
        watch=_interest_of(canvass, watch),
    )


def _interest_of(canvass: Canvass, watch: WatchInterestForm | None):
    """The sign-up to make (None when not asked for); when the section has errors,
    AnswersRefused with the answers' own problems too, and nothing is kept."""
    if watch is None or not watch.interested.data:
        return None
    if watch.errors:
        raise services.AnswersRefused(services.answer_problems(canvass, _posted_answers()))
    return watch.interest()


def _refusal(form: ContactForm, error: Exception) -> int:
    """The refusal's message on the form; its status."""
    if isinstance(error, services.SurveyRuleError):
        form.outcome.errors.append(_("This canvass is closed: no contact can be recorded."))
        return 409
    if isinstance(error, records.SubmissionConflict):
        form.client_uuid.errors.append(_("This contact was already sent with other answers."))
        return 422
    form.outcome.errors.append(str(error))
    return error.status


def form_location(form: ContactForm) -> dict:
    return {
        "latitude": form.latitude.data,
        "longitude": form.longitude.data,
        "accuracy_m": form.accuracy_m.data,
        "address": (form.address.data or "").strip() or None,
    }


def _contact_refused(
    canvass: Canvass, form: ContactForm, problems: dict, status: int = 422, watch=None
):
    if form.outcome.data == "completed":
        return render_template(
            "surveys/questionnaire.html",
            canvass=canvass,
            form=form,
            questionnaire=_questionnaire(canvass, form, problems, watch),
        ), status
    return _canvass_page(canvass, form, status)


@bp.post("/canvass/<id:canvass_id>/close")
@staff
def close(canvass_id: int):
    canvass = _get_canvass_or_404(canvass_id)
    if not CloseCanvassForm().validate():
        abort(400)
    try:
        if services.close_canvass(canvass, current_user):
            flash(_("Canvass %(reference)s closed.", reference=canvass.reference), "success")
    except services.SurveyRuleError:
        abort(403)
    return see_other(url_for("surveys.canvasses"))


@bp.get("/canvass/contacts/<id:record_id>")
@staff
def response(record_id: int):
    response = db.session.get(SurveyResponse, record_id)
    if not can_view(current_user, response):
        abort(404)
    return render_template(
        "surveys/response.html",
        response=response,
        record=response,
        version=response.version,
        photos=photos_for(response),
        history=records.history(response),
        fields=services.SURVEY_RESPONSES.fields,
        can_edit=False,
        can_review=records.can_review(current_user, response),
        can_delete=records.can_delete(current_user, response),
        signup=signup_from(response),
        can_see_signups=current_user.role in SUPERVISORS,
    )


# -- Building a survey in the app (Senior CSOs and admins) -------------------------------------


@bp.route("/surveys/new", methods=["GET", "POST"])
@roles(*SUPERVISORS)
def new_survey():
    form = NewSurveyForm()
    if request.method == "POST" and form.validate():
        title = {code: form[f"title_{code}"].data for code in RESIDENT_LANGUAGES}
        try:
            survey = editor.new_survey(title, current_user)
        except editor.EditRefused as refused:
            _show_problems(form, refused.problems)
        else:
            return see_other(url_for("surveys.questions", survey_id=survey.id))
    body = render_template("surveys/new.html", form=form, languages=RESIDENT_LANGUAGES)
    return body, 422 if request.method == "POST" else 200


def _show_problems(form, problems: dict) -> None:
    for name, message in problems.items():
        form[name].errors = [*form[name].errors, message] if name in form else [message]


@bp.post("/surveys/<id:survey_id>/publish")
@roles(*SUPERVISORS)
def publish(survey_id: int):
    survey = _get_survey_or_404(survey_id)
    if not RemoveQuestionForm().validate():
        abort(400)
    try:
        if services.publish_survey(survey, current_user):
            flash(_("Published: officers can start canvasses with it."), "success")
    except services.SurveyRuleError:
        return _questions_page(survey, {"publish": _("Add a question first.")}, 422)
    return see_other(url_for("surveys.questions", survey_id=survey.id))


@bp.get("/surveys/<id:survey_id>/questions")
@roles(*SUPERVISORS)
def questions(survey_id: int):
    survey = _get_survey_or_404(survey_id)
    return _questions_page(survey, {}, 200)


def _questions_page(survey: Survey, problems: dict, status: int):
    version = services.current_version(survey)
    body = render_template(
        "surveys/questions.html",
        survey=survey,
        version=version,
        responses=services.response_count(version),
        problems=problems,
        button=RemoveQuestionForm(),
    )
    return body, status


def _question_page(survey: Survey, form, name: str | None, status: int):
    return htmx.form_error(
        "surveys/question.html",
        "surveys/_question_form.html",
        status,
        survey=survey,
        form=form,
        name=name,
        languages=RESIDENT_LANGUAGES,
        answered=services.has_responses(services.current_version(survey)),
    )


def _above(survey: Survey, name: str | None) -> list:
    version = services.current_version(survey)
    names = [question.name for question in version.questions]
    end = names.index(name) if name in names else len(names)
    return version.questions[:end]


def _save_question(survey: Survey, form, name: str | None):
    """Save the posted question; the page again (422) with each problem by its field."""
    choices, problems = editor.parse_choices(form.texts("choices"))
    question = form.question(choices)
    if question.kind == "yes_no" and not choices:
        question.choices = editor.yes_no_choices()
    if problems:
        problems = {**editor.question_problems(survey, question, name), **problems}
    else:
        try:
            version = editor.save_question(survey, question, current_user, replacing=name)
        except editor.EditRefused as refused:
            problems = refused.problems
        else:
            flash(_("Saved in version %(number)d.", number=version.number), "success")
            return see_other(url_for("surveys.questions", survey_id=survey.id))
    _show_problems(form, problems)
    return _question_page(survey, form, name, 422)


@bp.route("/surveys/<id:survey_id>/questions/new", methods=["GET", "POST"])
@roles(*SUPERVISORS)
def new_question(survey_id: int):
    survey = _get_survey_or_404(survey_id)
    form = QuestionForm(above=_above(survey, None))
    if request.method == "POST" and form.validate():
        return _save_question(survey, form, None)
    return _question_page(survey, form, None, 422 if request.method == "POST" else 200)


@bp.route("/surveys/<id:survey_id>/questions/<name>/edit", methods=["GET", "POST"])
@roles(*SUPERVISORS)
def edit_question(survey_id: int, name: str):
    survey = _get_survey_or_404(survey_id)
    stored = editor.question_of(services.current_version(survey), name)
    if stored is None:
        abort(404)
    if request.method == "GET":
        form = QuestionForm(
            formdata=None, data=QuestionForm.data_of(stored), above=_above(survey, name)
        )
        return _question_page(survey, form, name, 200)
    form = QuestionForm(above=_above(survey, name))
    if form.validate():
        return _save_question(survey, form, name)
    return _question_page(survey, form, name, 422)


def _change_order(survey_id: int, name: str, change):
    survey = _get_survey_or_404(survey_id)
    if editor.question_of(services.current_version(survey), name) is None:
        abort(404)
    try:
        change(survey)
    except editor.EditRefused as refused:
        return _questions_page(survey, refused.problems, 422)
    return see_other(url_for("surveys.questions", survey_id=survey.id))


@bp.post("/surveys/<id:survey_id>/questions/<name>/move")
@roles(*SUPERVISORS)
def move_question(survey_id: int, name: str):
    form = MoveQuestionForm()
    if not form.validate():
        abort(400)
    offset = -1 if form.direction.data == "up" else 1
    return _change_order(
        survey_id, name, lambda survey: editor.move_question(survey, name, offset, current_user)
    )


@bp.post("/surveys/<id:survey_id>/questions/<name>/remove")
@roles(*SUPERVISORS)
def remove_question(survey_id: int, name: str):
    if not RemoveQuestionForm().validate():
        abort(400)
    return _change_order(
        survey_id, name, lambda survey: editor.remove_question(survey, name, current_user)
    )
