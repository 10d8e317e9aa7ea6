"""The rules of traffic and crowd control, as plain functions: an incident's one state, its
operational periods, posts and assignments; On post, Relieved and handover; the activity log;
equipment; closing; then what the type registers with the core.

Each function that changes an incident is one unit of work: the change, its audit row and the
incident's raised board version commit together, or not at all. A refused change raises
TrafficError with a Problem, whose message the route shows (status 422); nothing is kept then.
"""

import uuid
from datetime import datetime, timedelta

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select

from cso_field import audit, locks
from cso_field.auth.models import User
from cso_field.database import write_transaction
from cso_field.demo import register_demo
from cso_field.districts.services import LOCATION_FIELDS, district_for, locate
from cso_field.extensions import db
from cso_field.i18n import LabelledEnum
from cso_field.records import registry
from cso_field.records.models import Status
from cso_field.records.services import (
    create_once,
    search_records,
    send_for_review,
    submission_hash,
)
from cso_field.roles import ALL_ROLES, FIELD_ROLES, SUPERVISORS, Role
from cso_field.timeutil import utcnow
from cso_field.traffic_posts import board, enforcement
from cso_field.traffic_posts.models import (
    ActivityEntry,
    OperationalPeriod,
    PostAssignment,
    PostEquipment,
    TrafficIncident,
    TrafficPost,
)
from cso_field.traffic_posts.rules import (  # noqa: F401 (the rules, as services.*)
    ITEM_LABELS,
    KIND_LABELS,
    MESSAGES,
    ROLE_LABELS,
    Problem,
    TrafficError,
    current_period,
    item_label,
    kind_label,
    period_problem,
    role_label,
    role_labels,
)

# A collision opened from the scene gets a first operational period this long.
FIRST_PERIOD = timedelta(hours=4)

# -- The one state of an incident -------------------------------------------------------------


class IncidentState(LabelledEnum):
    PLANNED = "planned", _l("Planned")
    OPEN = "open", _l("Open")
    CLOSED = "closed", _l("Closed")
    DELETED = "deleted", _l("Deleted")


def state_of(incident: TrafficIncident, now: datetime | None = None) -> IncidentState:
    if incident.deleted_at is not None:
        return IncidentState.DELETED
    if incident.closed_at is not None:
        return IncidentState.CLOSED
    return IncidentState.PLANNED if incident.starts_at > (now or utcnow()) else IncidentState.OPEN


# -- Who may manage an incident ---------------------------------------------------------------


def can_manage(user: User, incident: TrafficIncident) -> bool:
    """Senior CSOs and admins, and whoever is in charge of the incident."""
    return Role(user.role) in SUPERVISORS or incident.in_charge_id == user.id


def _changed(incident: TrafficIncident) -> None:
    incident.board_version = (incident.board_version or 0) + 1
    incident.updated_at = utcnow()


def _open_or_refuse(incident: TrafficIncident) -> None:
    if not incident.is_open:
        raise TrafficError(Problem.CLOSED)


def _loggable_or_refuse(incident: TrafficIncident) -> None:
    """The log takes entries while the incident is open, and once closed while it is returned
    for changes (its review: the author completes the log, then resubmits)."""
    returned = incident.status == Status.RETURNED.value and incident.deleted_at is None
    if not (incident.is_open or returned):
        raise TrafficError(Problem.CLOSED)


def _audit(action: str, incident: TrafficIncident, detail: str | None = None) -> None:
    audit.record(
        f"traffic_incident.{action}",
        object_type=TrafficIncident.record_type,
        object_id=incident.id,
        detail=detail,
    )


# -- Incidents and their periods --------------------------------------------------------------


def create_incident(
    *, client_uuid: uuid.UUID, content: dict, author: User
) -> tuple[TrafficIncident, bool]:
    """Open or plan an incident once per client UUID, with its first operational period (to
    the expected end, or FIRST_PERIOD from the start), and commit; returns (incident, created).

    Raises TrafficError for an expected end before the start, SubmissionConflict for a UUID
    reused with other content."""
    digest = submission_hash(content)
    content = {**content, "starts_at": content["starts_at"] or utcnow().replace(microsecond=0)}
    problem = period_problem(content["starts_at"], content.get("expected_end_at"))
    if problem:
        raise TrafficError(problem)
    fields = {**content, **locate({name: content.get(name) for name in LOCATION_FIELDS})}
    fields.setdefault("in_charge_id", author.id)
    fields["in_charge_id"] = fields["in_charge_id"] or author.id
    with write_transaction():
        incident, created = create_once(
            TrafficIncident,
            client_uuid=client_uuid,
            digest=digest,
            author=author,
            status=Status.DRAFT.value,  # its log goes for review when it is closed
            **fields,
        )
        if created:
            ends = incident.expected_end_at or incident.starts_at + FIRST_PERIOD
            db.session.add(
                OperationalPeriod(incident=incident, starts_at=incident.starts_at, ends_at=ends)
            )
            _audit("create", incident, f"{incident.reference} {incident.kind}")
    return incident, created


def add_period(incident: TrafficIncident, starts_at: datetime, ends_at: datetime):
    """A further operational period; refused when it ends before it starts."""
    problem = period_problem(starts_at, ends_at)
    if problem:
        raise TrafficError(problem)
    with write_transaction(incident):
        _open_or_refuse(incident)
        period = OperationalPeriod(incident_id=incident.id, starts_at=starts_at, ends_at=ends_at)
        db.session.add(period)
        _changed(incident)
        _audit("period", incident, f"{starts_at:%Y-%m-%d %H:%M} - {ends_at:%Y-%m-%d %H:%M} UTC")
    return period


def add_post(incident: TrafficIncident, fields: dict) -> TrafficPost:
    """A post (name, role, instructions, pin) within the incident."""
    district = district_for(fields.get("latitude"), fields.get("longitude"))
    with write_transaction(incident):
        _open_or_refuse(incident)
        post = TrafficPost(
            incident_id=incident.id, district_id=district.id if district else None, **fields
        )
        db.session.add(post)
        _changed(incident)
        db.session.flush()
        _audit("post", incident, f"{post.id} {post.name}")
    return post


# -- Assignments, On post, Relieved, handover --------------------------------------------------


def _staff_account(user_id: int | None) -> User:
    """An active CSO or Senior CSO, who can stand at a post (FIELD_ROLES): an admin's account
    without a field role is refused."""
    user = db.session.get(User, user_id) if user_id else None
    if user is None or not user.is_active_account:
        raise TrafficError(Problem.NOT_A_CSO)
    if user.role not in FIELD_ROLES:
        raise TrafficError(Problem.NOT_FIELD_STAFF)
    return user


def assign(post: TrafficPost, period: OperationalPeriod, cso_id: int) -> PostAssignment:
    """Assign a CSO to a post for a period (once: a second identical assignment is refused)."""
    incident = post.incident
    with write_transaction(incident):
        _open_or_refuse(incident)
        cso = _staff_account(cso_id)
        if period.incident_id != incident.id:
            raise TrafficError(Problem.NOT_A_CSO)
        if _waiting_assignment(post.id, period.id, cso.id) is not None:
            raise TrafficError(Problem.ALREADY_ASSIGNED)
        assignment = _new_assignment(post, period, cso)
        _audit("assign", incident, f"{post.name}: {cso.username}")
    return assignment


def _waiting_assignment(post_id: int, period_id: int, user_id: int):
    return db.session.scalar(
        select(PostAssignment).where(
            PostAssignment.post_id == post_id,
            PostAssignment.period_id == period_id,
            PostAssignment.user_id == user_id,
            PostAssignment.relieved_at.is_(None),
        )
    )


def _new_assignment(post, period, cso, **fields) -> PostAssignment:
    assignment = PostAssignment(
        incident_id=post.incident_id,
        post_id=post.id,
        period_id=period.id,
        user_id=cso.id,
        assigned_by_id=current_user.id if current_user.is_authenticated else None,
        **fields,
    )
    db.session.add(assignment)
    _changed(post.incident)
    db.session.flush()
    return assignment


def _may_act(user: User, assignment: PostAssignment) -> None:
    if assignment.user_id != user.id and not can_manage(user, assignment.post.incident):
        raise TrafficError(Problem.NOT_YOURS)


def _overlapping(user_id: int, starts_at: datetime, exclude: int | None = None):
    """A stint of this CSO's, in any incident, still running at `starts_at` or after it."""
    query = select(PostAssignment.id).where(
        PostAssignment.user_id == user_id,
        PostAssignment.on_post_at.is_not(None),
        or_(PostAssignment.relieved_at.is_(None), PostAssignment.relieved_at > starts_at),
    )
    if exclude is not None:
        query = query.where(PostAssignment.id != exclude)
    return db.session.scalar(query.limit(1))


def _checked_time(at: datetime | None) -> datetime:
    now = utcnow()
    if at is None:
        return now
    if at > now + timedelta(minutes=1):
        raise TrafficError(Problem.IN_FUTURE)
    return at


def go_on_post(
    assignment: PostAssignment, user: User, *, at: datetime | None = None, position=(None,) * 3
) -> PostAssignment:
    """The CSO is on post (now, or at the time given), where the phone was. After a relief at
    the same post the CSO starts a new stint. Refused while the CSO is on post anywhere at or
    after that time."""
    incident = assignment.post.incident
    at = _checked_time(at)
    with write_transaction(incident):
        locks.hold(f"traffic-cso:{assignment.user_id}")
        _open_or_refuse(incident)
        _may_act(user, assignment)
        if assignment.on_post:
            raise TrafficError(Problem.ALREADY_ON_POST)
        if _overlapping(assignment.user_id, at) is not None:
            raise TrafficError(Problem.OVERLAP)
        if assignment.relieved_at is not None:  # a new stint at the same post
            cso = db.session.get(User, assignment.user_id)
            assignment = _new_assignment(assignment.post, assignment.period, cso)
        assignment.on_post_at = at
        _set_position(assignment, "on_post", position)
        _changed(incident)
        _audit("on_post", incident, f"{assignment.post.name}: {_username(assignment.user_id)}")
    return assignment


def relieve(
    assignment: PostAssignment, user: User, *, at: datetime | None = None, position=(None,) * 3
) -> PostAssignment:
    """The CSO is relieved (now, or at the time given), where the phone was."""
    incident = assignment.post.incident
    at = _checked_time(at)
    with write_transaction(incident):
        _open_or_refuse(incident)
        _may_act(user, assignment)
        _relieve(assignment, at, position)
        _changed(incident)
        _audit("relieved", incident, f"{assignment.post.name}: {_username(assignment.user_id)}")
    return assignment


def _relieve(assignment: PostAssignment, at: datetime, position) -> None:
    if not assignment.on_post:
        raise TrafficError(Problem.NOT_ON_POST)
    if at < assignment.on_post_at:
        raise TrafficError(Problem.RELIEVED_BEFORE_ON_POST)
    assignment.relieved_at = at
    _set_position(assignment, "relieved", position)


def hand_over(
    assignment: PostAssignment, user: User, to_user_id: int | None, position=(None,) * 3
) -> PostAssignment:
    """The CSO on post hands the post to another CSO: relieved now, the other on post now."""
    incident = assignment.post.incident
    now = utcnow()
    with write_transaction(incident):
        _open_or_refuse(incident)
        _may_act(user, assignment)
        successor = _staff_account(to_user_id)
        if successor.id == assignment.user_id:
            raise TrafficError(Problem.HANDOVER_TO_SELF)
        locks.hold(f"traffic-cso:{successor.id}")
        _relieve(assignment, now, position)
        if _overlapping(successor.id, now) is not None:
            raise TrafficError(Problem.OVERLAP)
        assignment.handed_over_to_id = successor.id
        relief = _new_assignment(assignment.post, assignment.period, successor, on_post_at=now)
        _set_position(relief, "on_post", position)
        _audit(
            "handover",
            incident,
            f"{assignment.post.name}: {_username(assignment.user_id)} -> {successor.username}",
        )
    return relief


def _set_position(assignment: PostAssignment, prefix: str, position) -> None:
    latitude, longitude, accuracy = position
    has_point = latitude is not None and longitude is not None
    setattr(assignment, f"{prefix}_latitude", round(latitude, 7) if has_point else None)
    setattr(assignment, f"{prefix}_longitude", round(longitude, 7) if has_point else None)
    kept = round(accuracy, 1) if has_point and accuracy is not None else None
    setattr(assignment, f"{prefix}_accuracy_m", kept)


def _username(user_id: int) -> str:
    user = db.session.get(User, user_id)
    return user.username if user else str(user_id)


# -- The activity log and equipment -----------------------------------------------------------


def add_entry(
    incident: TrafficIncident,
    user: User,
    text: str,
    *,
    post_id: int | None = None,
    at: datetime | None = None,
) -> ActivityEntry:
    """A short line in the incident's activity log, at the time given or now."""
    at = _checked_time(at)
    with write_transaction(incident):
        _loggable_or_refuse(incident)
        post = db.session.get(TrafficPost, post_id) if post_id is not None else None
        post_id = post.id if post is not None and post.incident_id == incident.id else None
        entry = ActivityEntry(
            incident_id=incident.id, post_id=post_id, user_id=user.id, at=at, text=text
        )
        db.session.add(entry)
        _changed(incident)
        _audit("entry", incident, text)
    return entry


def set_equipment(post: TrafficPost, item: str, deployed: int, recovered: int) -> PostEquipment:
    """How many of an item are deployed at the post and how many are back (totals so far)."""
    if recovered > deployed:
        raise TrafficError(Problem.RECOVERED_MORE)
    incident = post.incident
    with write_transaction(incident):
        _open_or_refuse(incident)
        row = db.session.scalar(
            select(PostEquipment).where(
                PostEquipment.post_id == post.id, PostEquipment.item == item
            )
        )
        if row is None:
            row = PostEquipment(incident_id=incident.id, post_id=post.id, item=item)
            db.session.add(row)
        row.deployed, row.recovered = deployed, recovered
        _changed(incident)
        _audit("equipment", incident, f"{post.name}: {item} {recovered}/{deployed}")
    return row


def equipment_of(incident: TrafficIncident) -> list[PostEquipment]:
    return list(
        db.session.scalars(
            select(PostEquipment)
            .where(PostEquipment.incident_id == incident.id)
            .order_by(PostEquipment.post_id, PostEquipment.item)
        )
    )


def outstanding_equipment(incident: TrafficIncident) -> list[PostEquipment]:
    """What was deployed and is not back yet."""
    return [row for row in equipment_of(incident) if row.outstanding > 0]


def close(incident: TrafficIncident, *, close_anyway: bool = False) -> list[PostEquipment]:
    """Close the incident, relieve whoever is still on post and send its activity log to the
    Senior CSO's review queue; returns the equipment still out. Refused
    (Problem.NOT_RECOVERED) with equipment out, unless `close_anyway`."""
    with write_transaction(incident):
        _open_or_refuse(incident)
        outstanding = outstanding_equipment(incident)
        if outstanding and not close_anyway:
            raise TrafficError(Problem.NOT_RECOVERED)
        now = utcnow()
        for assignment in db.session.scalars(
            select(PostAssignment).where(
                PostAssignment.incident_id == incident.id,
                PostAssignment.on_post_at.is_not(None),
                PostAssignment.relieved_at.is_(None),
            )
        ):
            assignment.relieved_at = now
        incident.closed_at = now
        incident.closed_by_id = current_user.id if current_user.is_authenticated else None
        if current_user.is_authenticated:
            send_for_review(incident, current_user)
        _changed(incident)
        detail = ", ".join(f"{row.item} {row.outstanding} out" for row in outstanding)
        _audit("close", incident, detail or None)
    return outstanding


def record_download(incident: TrafficIncident) -> None:
    """Who downloaded an incident's activity log, and when: audited before it streams."""
    _audit("download", incident, "activity.csv")
    db.session.commit()


# -- Search, My records and deletion ----------------------------------------------------------


def supervisor_may_delete(user: User, record) -> bool:
    """A mistaken incident, problem or session is deleted by a Senior CSO or an admin."""
    return record.deleted_at is None and Role(user.role) in SUPERVISORS


def _relieve_on_delete(incident: TrafficIncident) -> None:
    """A deleted incident holds nobody on post: whoever was is relieved now, so that no stint
    in it keeps them from a post elsewhere. Part of the deletion's unit of work."""
    now = utcnow()
    for assignment in db.session.scalars(
        select(PostAssignment).where(
            PostAssignment.incident_id == incident.id,
            PostAssignment.on_post_at.is_not(None),
            PostAssignment.relieved_at.is_(None),
        )
    ):
        assignment.relieved_at = now
    _changed(incident)


def search(text: str, user: User, limit: int) -> list[registry.SearchHit]:
    """Incidents by reference, name, address or who asked for them, newest first."""
    return [
        registry.SearchHit(
            TrafficIncident.record_type,
            incident.reference,
            f"{kind_label(incident.kind)} · {incident.name}",
            incident.address,
            incident_url(incident),
            state_of(incident).label,
        )
        for incident in search_records(TrafficIncident, text, limit)
    ]


def incident_url(incident: TrafficIncident) -> str:
    return url_for("traffic_posts.view", incident_id=incident.id)


TRAFFIC_INCIDENTS = registry.RecordType(
    name=TrafficIncident.record_type,
    model=TrafficIncident,
    label=_l("Traffic incident"),
    view_endpoint="traffic_posts.view",
    list_endpoint="traffic_posts.index",
    new_endpoint="traffic_posts.new",
    description=_l("Open a collision from the scene, or plan a parade or event."),
    search=search,
    summary=lambda incident: incident.name,
    after_delete=_relieve_on_delete,
    url=incident_url,
    may_delete=supervisor_may_delete,
)


# -- What traffic posts add to the core -------------------------------------------------------


def _today_card() -> dict:
    return {"posts": board.my_posts(current_user)}


def posts_held(user_ids: list[int]) -> dict[int, registry.Duty]:
    """{user id: the post they are on now (on post, not relieved), in an open incident}."""
    rows = db.session.execute(
        select(PostAssignment.user_id, TrafficPost.name, TrafficIncident.id, TrafficIncident.name)
        .join(TrafficPost, TrafficPost.id == PostAssignment.post_id)
        .join(TrafficIncident, TrafficIncident.id == PostAssignment.incident_id)
        .where(
            PostAssignment.user_id.in_(user_ids),
            PostAssignment.relieved_at.is_(None),
            PostAssignment.on_post_at.is_not(None),
            TrafficIncident.closed_at.is_(None),
            TrafficIncident.deleted_at.is_(None),
        )
    ).all()
    return {
        user_id: registry.Duty(
            f"{post} · {incident}", url_for("traffic_posts.view", incident_id=incident_id)
        )
        for user_id, post, incident_id, incident in rows
    }


def register_traffic_posts() -> None:
    from cso_field.traffic_posts.retention import register_retention

    register_retention()
    register_demo("traffic_posts", "cso_field.traffic_posts.demo:load_demo_traffic")
    registry.register(TRAFFIC_INCIDENTS)
    registry.register_current_duty(posts_held)
    from cso_field.traffic_posts.reports import register_reports

    register_reports()
    registry.register_new_entry(
        "traffic_incident",
        registry.NewEntry(
            "traffic_posts.new",
            _l("Traffic or crowd control"),
            _l("Open a collision from the scene, or plan a parade or event."),
        ),
    )
    registry.register_today_card(
        registry.TodayCard("traffic_posts/_today_card.html", _today_card, ALL_ROLES, order=10)
    )
    # Offline: the incidents and an incident's board (the officer's post, its instructions),
    # the problems and a problem's page, whose session form joins the outbox.
    registry.register_offline_pages(
        "traffic_posts.index",
        "traffic_posts.view",
        "traffic_posts.problems",
        "traffic_posts.problem",
    )
    registry.register_template_globals(
        incident_kind_label=kind_label,
        post_role_label=role_label,
        post_role_labels=role_labels,
        equipment_item_label=item_label,
    )
    audit.register_labels(
        {
            "traffic_incident.create": _l("Traffic incident opened"),
            "traffic_incident.period": _l("Operational period added"),
            "traffic_incident.post": _l("Traffic post added"),
            "traffic_incident.assign": _l("CSO assigned to a post"),
            "traffic_incident.on_post": _l("CSO on post"),
            "traffic_incident.relieved": _l("CSO relieved"),
            "traffic_incident.handover": _l("Post handed over"),
            "traffic_incident.entry": _l("Activity entry added"),
            "traffic_incident.equipment": _l("Equipment counted"),
            "traffic_incident.close": _l("Traffic incident closed"),
            "traffic_incident.download": _l("Activity log downloaded"),
        }
    )
    audit.register_object_label(TrafficIncident.record_type, _l("Traffic incident"))
    enforcement.register_enforcement(supervisor_may_delete)


register_traffic_posts()
