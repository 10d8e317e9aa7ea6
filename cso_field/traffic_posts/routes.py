"""Traffic and crowd control, the staff blueprint: incidents and their live board, managing
periods, posts, assignments and equipment, On post / Relieved / handover, the activity log,
the ICS 214 and ICS 204 (print page and PDF) and the CSV log; selective enforcement."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from cso_field import htmx
from cso_field.documents import pdf_response, render_pdf
from cso_field.extensions import db
from cso_field.htmx import see_other
from cso_field.records import services as records
from cso_field.redirects import safe_redirect_target
from cso_field.roles import SUPERVISORS, Role, roles, staff
from cso_field.timeutil import utcnow
from cso_field.traffic_posts import board, enforcement, services
from cso_field.traffic_posts.forms import (
    AssignForm,
    CloseForm,
    EntryForm,
    EquipmentForm,
    HandoverForm,
    IncidentForm,
    PeriodForm,
    PostActionForm,
    PostForm,
    ProblemForm,
    SessionForm,
    as_choices,
    staff_choices,
)
from cso_field.traffic_posts.models import (
    DesignatedProblem,
    IncidentKind,
    OperationalPeriod,
    PostAssignment,
    TrafficIncident,
    TrafficPost,
)

bp = Blueprint("traffic_posts", __name__, url_prefix="/traffic")

# The live board asks the server this often while the incident is open.
POLL_SECONDS = 5


def _incident_or_404(incident_id: int) -> TrafficIncident:
    incident = db.session.get(TrafficIncident, incident_id)
    if incident is None or (incident.deleted_at is not None and current_user.role != Role.ADMIN):
        abort(404)
    return incident


def _managed_or_403(incident_id: int) -> TrafficIncident:
    incident = _incident_or_404(incident_id)
    if not services.can_manage(current_user, incident):
        abort(403)
    return incident


def _assignment_or_404(assignment_id: int) -> PostAssignment:
    assignment = db.session.get(PostAssignment, assignment_id)
    if assignment is None:
        abort(404)
    _incident_or_404(assignment.incident_id)
    return assignment


def _back(incident: TrafficIncident) -> str:
    default = url_for("traffic_posts.view", incident_id=incident.id)
    return safe_redirect_target(request.form.get("next"), default) or default


# -- Incidents --------------------------------------------------------------------------------


@bp.get("/")
@staff
def index():
    rows, has_more = board.incidents(htmx.page_arg())
    return render_template(
        "traffic_posts/index.html",
        incidents=rows,
        has_more=has_more,
        closed=board.recently_closed(),
        mine=board.my_posts(current_user),
        page=htmx.page_arg(),
    )


def _incident_form() -> IncidentForm:
    form = IncidentForm()
    form.in_charge_id.choices = as_choices(staff_choices())
    if request.method == "GET":
        form.kind.data = request.args.get("kind", IncidentKind.COLLISION.value)
        form.in_charge_id.data = str(current_user.id)
    return form


@bp.route("/new", methods=["GET", "POST"])
@staff
def new():
    form = _incident_form()
    if request.method == "GET" or not form.validate():
        status = 200 if request.method == "GET" else 422
        return render_template("traffic_posts/new.html", form=form), status
    try:
        incident, created = services.create_incident(
            client_uuid=form.client_uuid.data, content=form.content(), author=current_user
        )
    except records.SubmissionConflict:
        form.client_uuid.errors.append(_("This form was already sent. Reload the page."))
        return render_template("traffic_posts/new.html", form=form), 422
    if created:
        flash(_("%(name)s opened.", name=incident.name), "success")
    return see_other(url_for("traffic_posts.view", incident_id=incident.id))


def _incident_page(incident: TrafficIncident, status: int = 200, **extra):
    # The post select is drawn from the board's rows (WTForms' options cost a 50-post page).
    entry_form = extra.pop("entry_form", None) or EntryForm(formdata=None)
    mine = board.my_posts(current_user, incident)
    on_post = any(assignment.on_post for assignment in mine)
    context = {
        "incident": incident,
        "state": services.state_of(incident),
        "board": board.board(incident),
        "poll_seconds": POLL_SECONDS,
        "mine": mine,
        "can_manage": services.can_manage(current_user, incident),
        "can_delete": records.can_delete(current_user, incident),
        "can_review": records.can_review(current_user, incident),
        "entry_form": entry_form,
        "action_form": PostActionForm(formdata=None),
        "handover_form": _handover_form(formdata=None) if on_post else None,
        **extra,
    }
    return render_template("traffic_posts/view.html", **context), status


def _post_choices(incident: TrafficIncident):
    return as_choices([("", "—"), *((post.id, post.name) for post in incident.posts)])


@bp.get("/<id:incident_id>")
@staff
def view(incident_id: int):
    return _incident_page(_incident_or_404(incident_id))


@bp.get("/<id:incident_id>/board")
@staff
def board_fragment(incident_id: int):
    """The live board alone, for the page's poll: 204 when it has not changed since."""
    incident = _incident_or_404(incident_id)
    if incident.is_open and request.args.get("v") == board.board_token(incident):
        return Response(status=204)
    return render_template(
        "traffic_posts/_board.html", board=board.board(incident), poll_seconds=POLL_SECONDS
    )


# -- Managing: periods, posts, assignments, equipment, closing ---------------------------------


def _handover_form(**kwargs) -> HandoverForm:
    form = HandoverForm(**kwargs)
    form.to_user_id.choices = as_choices(staff_choices(field_only=True))
    return form


def _manage_forms(incident: TrafficIncident, **given) -> dict:
    assign = given.get("assign_form") or AssignForm(formdata=None)
    assign.period_id.choices = as_choices((p.id, _period_label(p)) for p in incident.periods)
    assign.user_id.choices = as_choices(staff_choices(field_only=True))
    equipment = given.get("equipment_form") or EquipmentForm(formdata=None)
    posts = [(str(post.id), post.name) for post in incident.posts]
    return {
        "period_form": given.get("period_form") or PeriodForm(formdata=None),
        "post_form": given.get("post_form") or PostForm(formdata=None),
        "assign_form": assign,
        "equipment_form": equipment,
        "close_form": given.get("close_form") or CloseForm(formdata=None),
        "post_choices": posts,
        "chosen_post": request.form.get("post_id", ""),
        "error": given.get("error"),
    }


def _period_label(period: OperationalPeriod) -> str:
    return _(
        "%(start)s to %(end)s",
        start=format_datetime(period.starts_at, "short"),
        end=format_datetime(period.ends_at, "short"),
    )


def _assignments(incident: TrafficIncident, page: int) -> dict:
    """A page of the current period's assignments, as the manage page's list shows it."""
    rows, has_more = board.assignment_page(services.current_period(incident), page)
    return {"incident": incident, "assignments": rows, "has_more": has_more, "page": page}


def _manage_page(incident: TrafficIncident, status: int = 200, page: int = 1, **given):
    equipment = services.equipment_of(incident)
    return render_template(
        "traffic_posts/manage.html",
        state=services.state_of(incident),
        equipment=equipment,
        outstanding=[row for row in equipment if row.outstanding > 0],
        post_names={post.id: post.name for post in incident.posts},
        periods=incident.periods,
        **_assignments(incident, page),
        **_manage_forms(incident, **given),
    ), status


@bp.get("/<id:incident_id>/manage")
@staff
def manage(incident_id: int):
    incident, page = _managed_or_403(incident_id), htmx.page_arg()
    if htmx.wants_fragment():  # "Load more" of the assignments
        fragment = "traffic_posts/_assignment_rows.html"
        return htmx.render("traffic_posts/manage.html", fragment, **_assignments(incident, page))
    return _manage_page(incident, page=page)


def _managed_post(incident, form, key, action):
    """Validate `form` and run `action()`; the manage page with the error (422) if refused."""
    if not form.validate():
        return _manage_page(incident, 422, **{key: form})
    try:
        action()
    except services.TrafficError as error:
        return _manage_page(incident, 422, error=error.message, **{key: form})
    return see_other(url_for("traffic_posts.manage", incident_id=incident.id))


@bp.post("/<id:incident_id>/periods")
@staff
def add_period(incident_id: int):
    incident = _managed_or_403(incident_id)
    form = PeriodForm()
    return _managed_post(
        incident,
        form,
        "period_form",
        lambda: services.add_period(incident, form.starts_at.data, form.ends_at.data),
    )


@bp.post("/<id:incident_id>/posts")
@staff
def add_post(incident_id: int):
    incident = _managed_or_403(incident_id)
    form = PostForm()
    return _managed_post(
        incident, form, "post_form", lambda: services.add_post(incident, form.fields_for_post())
    )


def _post_of(incident: TrafficIncident) -> TrafficPost | None:
    post_id = request.form.get("post_id", "")
    # An id no database column holds (say, 400 digits) is no post either.
    post = (
        db.session.get(TrafficPost, int(post_id))
        if post_id.isdigit() and len(post_id) < 16
        else None
    )
    return post if post is not None and post.incident_id == incident.id else None


@bp.post("/<id:incident_id>/assignments")
@staff
def assign(incident_id: int):
    incident = _managed_or_403(incident_id)
    form = _manage_forms(incident, assign_form=AssignForm())["assign_form"]
    post = _post_of(incident)
    if post is None:
        form.validate()
        return _manage_page(incident, 422, assign_form=form, error=_("Choose a post."))
    return _managed_post(
        incident,
        form,
        "assign_form",
        lambda: services.assign(
            post,
            db.session.get(OperationalPeriod, int(form.period_id.data)),
            int(form.user_id.data),
        ),
    )


@bp.post("/<id:incident_id>/equipment")
@staff
def equipment(incident_id: int):
    incident = _managed_or_403(incident_id)
    form = EquipmentForm()
    post = _post_of(incident)
    if post is None:
        form.validate()
        return _manage_page(incident, 422, equipment_form=form, error=_("Choose a post."))
    return _managed_post(
        incident,
        form,
        "equipment_form",
        lambda: services.set_equipment(
            post, form.item.data, form.deployed.data, form.recovered.data
        ),
    )


@bp.post("/<id:incident_id>/close")
@staff
def close(incident_id: int):
    incident = _managed_or_403(incident_id)
    form = CloseForm()
    try:
        outstanding = services.close(incident, close_anyway=bool(form.close_anyway.data))
    except services.TrafficError as error:
        return _manage_page(incident, 422, close_form=form, error=error.message)
    if outstanding:
        flash(_("Closed with equipment still out: recover it and note it in the log."), "warning")
    else:
        flash(_("%(name)s closed.", name=incident.name), "success")
    return see_other(url_for("traffic_posts.view", incident_id=incident.id))


# -- On post, Relieved, handover, the activity log --------------------------------------------


def _post_action(assignment_id: int, form, action):
    """Run a CSO's action on an assignment; the incident page with the error if refused."""
    assignment = _assignment_or_404(assignment_id)
    incident = assignment.post.incident
    if not form.validate():
        return _incident_page(incident, 422, action_error=_form_errors(form))
    position = (form.latitude.data, form.longitude.data, form.accuracy_m.data)
    try:
        action(assignment, position)
    except services.TrafficError as error:
        status = 403 if error.problem is services.Problem.NOT_YOURS else 422
        return _incident_page(incident, status, action_error=error.message)
    return see_other(_back(incident))


def _form_errors(form) -> str:
    return " ".join(str(message) for errors in form.errors.values() for message in errors)


@bp.post("/assignments/<id:assignment_id>/on-post")
@staff
def on_post(assignment_id: int):
    form = PostActionForm()
    return _post_action(
        assignment_id,
        form,
        lambda a, position: services.go_on_post(
            a, current_user, at=form.at.data, position=position
        ),
    )


@bp.post("/assignments/<id:assignment_id>/relieve")
@staff
def relieve(assignment_id: int):
    form = PostActionForm()
    return _post_action(
        assignment_id,
        form,
        lambda a, position: services.relieve(a, current_user, at=form.at.data, position=position),
    )


@bp.post("/assignments/<id:assignment_id>/handover")
@staff
def hand_over(assignment_id: int):
    form = _handover_form()
    return _post_action(
        assignment_id,
        form,
        lambda a, position: services.hand_over(
            a, current_user, int(form.to_user_id.data), position
        ),
    )


@bp.post("/<id:incident_id>/entries")
@staff
def add_entry(incident_id: int):
    incident = _incident_or_404(incident_id)
    form = EntryForm()
    form.post_id.choices = _post_choices(incident)
    if not form.validate():
        return _incident_page(incident, 422, entry_form=form)
    post_id = int(form.post_id.data) if form.post_id.data else None
    try:
        services.add_entry(incident, current_user, form.text.data, post_id=post_id, at=form.at.data)
    except services.TrafficError as error:
        return _incident_page(incident, 422, entry_form=form, action_error=error.message)
    return see_other(url_for("traffic_posts.view", incident_id=incident.id))


# -- ICS 214, ICS 204 and the CSV log ----------------------------------------------------------


def _period_or_404(incident: TrafficIncident, period_id: int) -> OperationalPeriod:
    period = db.session.get(OperationalPeriod, period_id)
    if period is None or period.incident_id != incident.id:
        abort(404)
    return period


FORMS = {"ics214": board.ics214, "ics204": board.ics204}


def _document(incident_id: int, period_id: int, name: str, pdf: bool):
    """An ICS form of one period, in English: the print page, or the same template as PDF."""
    incident = _incident_or_404(incident_id)
    period = _period_or_404(incident, period_id)
    template = f"traffic_posts/{name}.html"
    with force_locale("en"):
        context = FORMS[name](incident, period)
        prepared = {"prepared_by": current_user.display_name, "prepared_at": utcnow()}
        if not pdf:
            return render_template(template, document_lang="en", **context, **prepared)
        rendered = render_pdf(template, document_lang="en", **context, **prepared)
    return pdf_response(rendered, f"{name.upper()}-{incident.reference}-{period.id}.pdf")


@bp.get("/<id:incident_id>/periods/<id:period_id>/ics214")
@staff
def ics214(incident_id: int, period_id: int):
    return _document(incident_id, period_id, "ics214", pdf=False)


@bp.get("/<id:incident_id>/periods/<id:period_id>/ics214.pdf")
@staff
def ics214_pdf(incident_id: int, period_id: int):
    return _document(incident_id, period_id, "ics214", pdf=True)


@bp.get("/<id:incident_id>/periods/<id:period_id>/ics204")
@staff
def ics204(incident_id: int, period_id: int):
    return _document(incident_id, period_id, "ics204", pdf=False)


@bp.get("/<id:incident_id>/periods/<id:period_id>/ics204.pdf")
@staff
def ics204_pdf(incident_id: int, period_id: int):
    return _document(incident_id, period_id, "ics204", pdf=True)


@bp.get("/<id:incident_id>/activity.csv")
@staff
def activity_csv(incident_id: int):
    incident = _incident_or_404(incident_id)
    services.record_download(incident)
    # Streamed: read from the database in batches while it is sent, whatever its length.
    response = Response(board.csv_lines(incident), mimetype="text/csv")
    filename = f"activity-{incident.reference}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- Selective enforcement ---------------------------------------------------------------------


@bp.get("/problems/")
@staff
def problems():
    return render_template("traffic_posts/problems.html", problems=enforcement.problems())


@bp.route("/problems/new", methods=["GET", "POST"])
@roles(*SUPERVISORS)
def new_problem():
    form = ProblemForm()
    if request.method == "GET" or not form.validate():
        status = 200 if request.method == "GET" else 422
        return render_template("traffic_posts/new_problem.html", form=form), status
    try:
        problem, _created = enforcement.designate(
            client_uuid=form.client_uuid.data, content=form.content(), author=current_user
        )
    except (records.SubmissionConflict, services.TrafficError):
        form.client_uuid.errors.append(_("This form was already sent. Reload the page."))
        return render_template("traffic_posts/new_problem.html", form=form), 422
    return see_other(url_for("traffic_posts.problem", problem_id=problem.id))


def _problem_or_404(problem_id: int) -> DesignatedProblem:
    problem = db.session.get(DesignatedProblem, problem_id)
    if problem is None or (problem.deleted_at is not None and current_user.role != Role.ADMIN):
        abort(404)
    return problem


def _problem_page(problem: DesignatedProblem, form: SessionForm, status: int = 200):
    return render_template(
        "traffic_posts/problem.html",
        problem=problem,
        form=form,
        summary=enforcement.summary(problem),
        sessions=enforcement.sessions_of(problem),
        is_supervisor=current_user.role in SUPERVISORS,
    ), status


@bp.get("/problems/<id:problem_id>")
@staff
def problem(problem_id: int):
    return _problem_page(_problem_or_404(problem_id), SessionForm(formdata=None))


def _choice(enum, value: str | None, default):
    return enum(value) if value in {member.value for member in enum} else default


@bp.get("/problems/<id:problem_id>/summary")
@roles(*SUPERVISORS)
def problem_summary(problem_id: int):
    """The Senior CSO's summary over time: a table and a bar chart, per week or per month."""
    problem = _problem_or_404(problem_id)
    grain = _choice(enforcement.Grain, request.args.get("by"), enforcement.Grain.WEEK)
    measure = _choice(enforcement.Measure, request.args.get("show"), enforcement.Measure.CONTACTS)
    buckets = enforcement.over_time(problem, grain)
    return render_template(
        "traffic_posts/problem_summary.html",
        problem=problem,
        buckets=buckets,
        bars=enforcement.chart_bars(buckets, measure),
        grain=grain,
        measure=measure,
        grains=enforcement.GRAIN_LABELS,
        measures=enforcement.MEASURE_LABELS,
        row_height=enforcement.CHART_ROW,
    )


@bp.post("/problems/<id:problem_id>/sessions")
@staff
def record_session(problem_id: int):
    problem = _problem_or_404(problem_id)
    form = SessionForm()
    if not form.validate():
        return _problem_page(problem, form, 422)
    try:
        enforcement.record_session(
            problem, client_uuid=form.client_uuid.data, content=form.content(), author=current_user
        )
    except records.SubmissionConflict:
        form.client_uuid.errors.append(_("This form was already sent. Reload the page."))
        return _problem_page(problem, form, 422)
    except services.TrafficError as error:
        form.badge_number.errors.append(error.message)
        return _problem_page(problem, form, 422)
    flash(_("Session saved."), "success")
    return see_other(url_for("traffic_posts.problem", problem_id=problem.id))
