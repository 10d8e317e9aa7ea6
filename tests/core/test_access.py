"""Every route has an access rule, and users without it are refused."""

import pytest
from flask import Blueprint, url_for

from cso_field.access import rule_for
from cso_field.audit.models import AuditEvent
from cso_field.extensions import db
from cso_field.roles import ACCESS_ATTRIBUTE, PUBLIC, Role
from tests.factories import PASSWORD, UserFactory

ANYONE = PUBLIC
STAFF = frozenset(Role)
SUPERVISORS = frozenset({Role.SENIOR_CSO, Role.ADMIN})
ADMINS = frozenset({Role.ADMIN})
REVIEWERS = frozenset({Role.SENIOR_CSO})

# The intended rule of every endpoint. A new route must be added here, or this test fails.
EXPECTED_RULES = {
    "static": ANYONE,
    "main.index": ANYONE,
    "auth.login": ANYONE,
    "auth.set_language": ANYONE,
    "auth.logout": STAFF,
    "auth.change_password": STAFF,
    "main.today": STAFF,
    "main.menu": STAFF,
    "assignments.index": STAFF,
    "assignments.new": SUPERVISORS,
    "assignments.view": STAFF,
    "assignments.accept": STAFF,
    "assignments.complete": STAFF,
    "assignments.reassign": SUPERVISORS,
    "team.board": STAFF,
    "team.roster": STAFF,
    "team.profile": SUPERVISORS,
    "team.my_profile": STAFF,
    "team.shift": STAFF,
    "team.end": STAFF,
    "team.training": SUPERVISORS,
    "team.new_session": SUPERVISORS,
    "team.certifications_of": SUPERVISORS,
    "team.certification_kinds": ADMINS,
    "accounts.index": SUPERVISORS,
    "accounts.unlock_account": SUPERVISORS,
    "accounts.new": ADMINS,
    "accounts.edit": ADMINS,
    "audit.index": SUPERVISORS,
    "districts.index": ADMINS,
    "photos.thumbnail": STAFF,
    "photos.display": STAFF,
    "photos.original": STAFF,
    "main.new_record": STAFF,
    "operations.healthz": ANYONE,
    "operations.readyz": ANYONE,
    "operations.metrics": ANYONE,  # and only from METRICS_ALLOW_IPS
    "retention.settings": ADMINS,
    "retention.add_hold": ADMINS,
    "retention.release_hold": ADMINS,
    "search.index": STAFF,
    "field_notes.index": STAFF,
    "field_notes.new": STAFF,
    "field_notes.view": STAFF,
    "field_notes.edit": STAFF,
    "records.review_queue": REVIEWERS,
    "numbers.index": SUPERVISORS,
    "numbers.summary": SUPERVISORS,
    "numbers.summary_pdf": SUPERVISORS,
    "exports.start": STAFF,
    "exports.download": STAFF,
    "exports.download_internal": SUPERVISORS,
    "records.mine": STAFF,
    "records.submit": STAFF,
    "records.delete": STAFF,
    "photos.add": STAFF,
    "records.approve": REVIEWERS,
    "records.return_for_changes": REVIEWERS,
    "special_checks_public.request_form": ANYONE,
    "special_checks_public.manage": ANYONE,
    "special_checks.new": STAFF,
    "special_checks.settings": ADMINS,
    "special_checks.index": STAFF,
    "special_checks.map_view": STAFF,
    "special_checks.view": STAFF,
    "special_checks.record_visit": STAFF,
    "special_checks.visit": STAFF,
    "special_checks.edit_visit": STAFF,
    "special_checks.overview": SUPERVISORS,
    "special_checks.overview_section": SUPERVISORS,
    "special_checks.starting_soon": STAFF,
    "traffic_posts.index": STAFF,
    "traffic_posts.new": STAFF,
    "traffic_posts.view": STAFF,
    "traffic_posts.board_fragment": STAFF,
    "traffic_posts.manage": STAFF,  # and in charge of the incident, or a Senior CSO or admin
    "traffic_posts.add_period": STAFF,
    "traffic_posts.add_post": STAFF,
    "traffic_posts.assign": STAFF,
    "traffic_posts.equipment": STAFF,
    "traffic_posts.close": STAFF,
    "traffic_posts.on_post": STAFF,  # and the assigned CSO, or who manages the incident
    "traffic_posts.relieve": STAFF,
    "traffic_posts.hand_over": STAFF,
    "traffic_posts.add_entry": STAFF,
    "traffic_posts.ics214": STAFF,
    "traffic_posts.ics214_pdf": STAFF,
    "traffic_posts.ics204": STAFF,
    "traffic_posts.ics204_pdf": STAFF,
    "traffic_posts.activity_csv": STAFF,
    "traffic_posts.problems": STAFF,
    "traffic_posts.new_problem": SUPERVISORS,
    "traffic_posts.problem": STAFF,
    "traffic_posts.problem_summary": SUPERVISORS,
    "traffic_posts.record_session": STAFF,
    "citations.index": STAFF,
    "citations.reinspections": STAFF,
    "citations.overdue": STAFF,
    "citations.overview": SUPERVISORS,
    "citations.overview_violation": SUPERVISORS,
    "citations.overview_district": SUPERVISORS,
    "citations.new": STAFF,
    "citations.view": STAFF,
    "citations.warning": STAFF,
    "citations.reinspection": STAFF,
    "citations.citation": STAFF,
    "citations.override": REVIEWERS,
    "citations.step": STAFF,
    "citations.party": STAFF,
    "citations.correction": STAFF,
    "citations.notice": STAFF,
    "citations.notice_pdf": STAFF,
    "citations.codebook": ADMINS,
    "citations.codebook_new": ADMINS,
    "citations.codebook_edit": ADMINS,
    "citations.training": SUPERVISORS,
    "citations.settings": ADMINS,
    "surveys.index": SUPERVISORS,
    "surveys.import_survey": SUPERVISORS,
    "surveys.view": SUPERVISORS,
    "surveys.revise": SUPERVISORS,
    "surveys.download": SUPERVISORS,
    "surveys.results_page": SUPERVISORS,
    "surveys.export": SUPERVISORS,
    "surveys.canvasses": STAFF,
    "surveys.canvass": STAFF,
    "surveys.questionnaire": STAFF,
    "surveys.contact": STAFF,
    "surveys.close": STAFF,
    "surveys.response": STAFF,
    "surveys.needs_assessment": SUPERVISORS,
    "surveys.new_survey": SUPERVISORS,
    "surveys.questions": SUPERVISORS,
    "surveys.new_question": SUPERVISORS,
    "surveys.edit_question": SUPERVISORS,
    "surveys.move_question": SUPERVISORS,
    "surveys.remove_question": SUPERVISORS,
    "surveys.publish": SUPERVISORS,
    "neighborhood_watch.index": STAFF,
    "neighborhood_watch.new_group": SUPERVISORS,
    "neighborhood_watch.group": STAFF,
    "neighborhood_watch.captain": SUPERVISORS,
    "neighborhood_watch.remove_member": SUPERVISORS,
    "neighborhood_watch.edit_group": SUPERVISORS,
    "neighborhood_watch.archive_group": SUPERVISORS,
    "neighborhood_watch.restore_group": SUPERVISORS,
    "neighborhood_watch.archived": SUPERVISORS,
    "neighborhood_watch.new_meeting": STAFF,
    "neighborhood_watch.meeting": STAFF,
    "neighborhood_watch.edit_meeting": STAFF,
    "neighborhood_watch.signups": SUPERVISORS,
    "neighborhood_watch.signup": SUPERVISORS,
    "neighborhood_watch.add_signup": SUPERVISORS,
    "neighborhood_watch.dismiss_signup": SUPERVISORS,
    "neighborhood_watch.quiet": SUPERVISORS,
    "neighborhood_watch.quiet_settings": ADMINS,
    "neighborhood_watch_public.sign_up": ANYONE,
    "custody.index": STAFF,
    "custody.new_item": STAFF,
    "custody.item": STAFF,
    "custody.custody_form": STAFF,
    "custody.custody_pdf": STAFF,
    "custody.signature": STAFF,
    "custody.handover": STAFF,
    "custody.transports": STAFF,
    "custody.new_transport": STAFF,
    "custody.transport": STAFF,
    "custody.close_transport": STAFF,
    "custody.samples": STAFF,
    "custody.mail": STAFF,
    "custody.receipt": STAFF,
    "custody.seizures": STAFF,
    "custody.new_seizure": STAFF,
    "custody.seizure": STAFF,
    "custody.seizure_state": SUPERVISORS,
    "custody.seizure_signature": STAFF,
    "custody.seizure_report": SUPERVISORS,
    "custody.supplies": STAFF,
    "custody.new_supply": SUPERVISORS,
    "custody.supply": STAFF,
    "custody.move_supply": STAFF,
    "offline.manifest": ANYONE,
    "offline.service_worker": ANYONE,
    "offline.offline_page": ANYONE,
    "offline.outbox": STAFF,
    "offline.session": STAFF,
    # The sign-in's second step and enrolment: before the session exists, so public; each
    # checks the half-done sign-in in the (signed) session cookie itself.
    "mfa.verify": ANYONE,
    "mfa.passkey_options": ANYONE,
    "mfa.passkey_sign_in": ANYONE,
    "mfa.enrol": ANYONE,
    "mfa.enrol_app": ANYONE,
    "mfa.new_passkey_options": ANYONE,
    "mfa.enrol_passkey": ANYONE,
    "mfa.account": STAFF,
    "mfa.remove_passkey": STAFF,
    "mfa.new_recovery_codes": STAFF,
    "mfa.step_up": STAFF,
    "mfa.step_up_options": STAFF,
    "mfa.step_up_passkey": STAFF,
    "mfa.policy": ADMINS,
    "accounts.reset_factor": SUPERVISORS,
    "community.calendar": STAFF,
    "community.new_slots": SUPERVISORS,
    "community.appointment": STAFF,
    "community.record_outcome": STAFF,
    "community.assign_appointment": SUPERVISORS,
    "community.messages": STAFF,
    "community.new_message": STAFF,
    "community.message": STAFF,
    "community.record_attempt": STAFF,
    "community.assign_message": SUPERVISORS,
    "community_public.book": ANYONE,
    "community_public.manage": ANYONE,
    "missing_persons.index": STAFF,
    "missing_persons.new": STAFF,
    "missing_persons.view": STAFF,
    "missing_persons.steps": STAFF,
    "missing_persons.due": STAFF,
    "missing_persons.close_step": STAFF,
    "missing_persons.found": STAFF,
    "missing_persons.add_searcher": SUPERVISORS,
    "missing_persons.new_poster": STAFF,
    "missing_persons.poster": STAFF,
    "missing_persons.poster_pdf": STAFF,
    "missing_persons.distribute": STAFF,
    "missing_persons.settings": ADMINS,
    "missing_persons.board": STAFF,
    "missing_persons.board_feed": STAFF,
    "missing_persons.add_area": SUPERVISORS,
    "missing_persons.add_log": STAFF,
    "missing_persons.notify": STAFF,
    "missing_persons.letter": STAFF,
    "missing_persons.letter_pdf": STAFF,
    "calls.index": STAFF,
    "calls.log": STAFF,
    "calls.new": STAFF,
    "calls.new_visit": STAFF,
    "calls.report": SUPERVISORS,
    "calls.report_csv": SUPERVISORS,
    "calls.types": ADMINS,
    "calls.edit_type": ADMINS,
    "betterment.index": STAFF,
    "betterment.new": SUPERVISORS,
    "betterment.committee": STAFF,
    "betterment.add_goal": SUPERVISORS,
    "betterment.add_action": SUPERVISORS,
    "betterment.add_meeting": SUPERVISORS,
    "betterment.action_status": SUPERVISORS,
    "betterment.overdue": SUPERVISORS,
}


def _routes(app):
    # Logging out ends the session the rest of the matrix runs in, so it goes last.
    rules = sorted(app.url_map.iter_rules(), key=lambda rule: rule.endpoint == "auth.logout")
    for rule in rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _url(app, rule, user_id):
    samples = {
        "record_type": "field_note",
        "filename": "css/app.css",
        "token": "no-such-token-0123456789abcdef",
        "name": "stale",
        "kind": "csv",
        "district": "none",
        "source": "special_checks",
        "profile": "public",
        "which": "giver",
    }
    values = {arg: user_id if arg.endswith("_id") else samples[arg] for arg in rule.arguments}
    if rule.endpoint == "custody.seizure_signature":
        values["which"] = "first"
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def test_every_endpoint_has_the_intended_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(EXPECTED_RULES), "add the new route's rule to EXPECTED_RULES"
    with app.test_request_context():
        for endpoint, expected in EXPECTED_RULES.items():
            assert rule_for(endpoint) == expected, endpoint


@pytest.mark.parametrize("role", [None, *Role])
def test_access_matrix(app, users, login, role):
    """Anonymous and each role against every route and method."""
    target = users.cso(username="target.user")
    client = app.test_client()
    if role is not None:
        login(users.create(role), test_client=client)
    for rule, method in _routes(app):
        expected = EXPECTED_RULES[rule.endpoint]
        url = _url(app, rule, target.id)
        response = client.open(url, method=method)
        if expected == ANYONE:
            assert response.status_code < 500, (url, method, response.status_code)
        elif role is None:
            assert response.status_code == 302, (url, method)
            assert response.location.startswith("/login")
        elif role in expected:
            assert response.status_code not in (401, 403), (url, method, role)
            assert response.status_code < 500, (url, method, role)
        else:
            assert response.status_code == 403, (url, method, role)


def test_refusals_are_audited(client, users, login):
    login(users.cso())
    assert client.get("/audit/").status_code == 403
    refusal = db.session.query(AuditEvent).filter_by(action="access.denied").one()
    assert refusal.outcome == "denied"
    assert refusal.object_id == "audit.index"


def test_route_without_a_rule_is_refused_for_everyone(make_app):
    app = make_app()
    forgotten = Blueprint("forgotten", __name__)

    @forgotten.get("/forgotten")
    def no_rule():
        return "should never be served"

    app.register_blueprint(forgotten)
    assert not hasattr(no_rule, ACCESS_ATTRIBUTE)
    with app.app_context():
        admin_name = UserFactory(app).admin().username
    client = app.test_client()
    assert client.get("/forgotten").status_code == 302  # anonymous: to the login page
    client.post("/login", data={"username": admin_name, "password": PASSWORD})
    response = client.get("/forgotten")
    assert response.status_code == 403
    assert b"should never be served" not in response.data
