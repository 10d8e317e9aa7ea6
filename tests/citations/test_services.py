"""Blight citations, the rules called directly: the fine table, deadlines, who may cite, the
case's steps, and notices locked once issued (PDF text read back in Spanish, Khmer, Punjabi)."""

import hashlib
import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from cso_field.audit.models import AuditEvent
from cso_field.citations import lists, notices
from cso_field.citations.models import BlightCase, Notice, Violation
from cso_field.citations.services import (
    CaseState,
    CitationError,
    cite,
    deadlines,
    fine_for,
    may_cite,
    override_fine,
    parse_override,
    record_step,
    record_training,
    reinspect,
    warn,
)
from cso_field.extensions import db
from cso_field.geo import distance_m
from cso_field.records.models import RecordVersion
from cso_field.timeutil import department_today
from tests.factories import blight_case, codebook_entry, party_data, train

KHMER_NAME = "សុខ ចាន់"
PUNJABI_NAME = "ਗੁਰਪ੍ਰੀਤ ਕੌਰ"


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def flat(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


@pytest.fixture
def officer(users, ctx):
    user = users.cso(display_name="Dana Reyes", username="d.reyes")
    train(user, days_ago=900)
    return user


@pytest.fixture
def senior(users, ctx):
    return users.senior(display_name="Sam Senior", username="s.senior")


@pytest.fixture
def weeds(ctx, users):
    users.admin()
    return codebook_entry("8.24.040")


def cited(officer, violations, on: date, party=None) -> BlightCase:
    """A case observed 20 days before `on`, warned, not corrected, cited on `on`."""
    case = blight_case(officer, violations, party=party, today=on - timedelta(days=20))
    warn(case, officer, correction_due=on - timedelta(days=6), today=on - timedelta(days=20))
    reinspect(case, officer, corrected=False, notes=None, uploads=[], today=on - timedelta(days=5))
    cite(case, officer, violation_ids=[v.id for v in violations], today=on)
    return case


def fine_of(case: BlightCase, violation: Violation) -> int:
    return next(item.fine_cents for item in case.violations if item.violation_id == violation.id)


# -- The fine table ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        ("general", [10_000, 20_000, 50_000, 50_000]),
        ("building", [13_000, 70_000, 130_000, 130_000]),
    ],
)
def test_statutory_schedules_escalate_and_stay_at_the_third_amount(ctx, users, schedule, expected):
    users.admin()
    violation = codebook_entry("X-1", schedule=schedule)
    assert [fine_for(violation, earlier).cents for earlier in range(4)] == expected
    assert fine_for(violation, 7).number == 3
    assert fine_for(violation, 0).lookback_days == 365


def test_same_party_and_section_within_the_look_back_is_a_second_citation(officer, weeds):
    today = department_today()
    first = cited(officer, [weeds], today - timedelta(days=364))
    second = cited(officer, [weeds], today)
    assert fine_of(first, weeds) == 10_000
    assert fine_of(second, weeds) == 20_000
    basis = second.violations[0].fine_basis
    assert basis == {
        "schedule": "general",
        "amounts": [10_000, 20_000, 50_000],
        "earlier": 1,
        "lookback_days": 365,
        "number": 2,
    }
    third = cited(officer, [weeds], today)
    assert fine_of(third, weeds) == 50_000


def test_a_citation_older_than_the_look_back_does_not_count(officer, weeds):
    today = department_today()
    cited(officer, [weeds], today - timedelta(days=366))
    assert fine_of(cited(officer, [weeds], today), weeds) == 10_000


def test_a_different_section_or_party_starts_again(officer, weeds):
    today = department_today()
    junk = codebook_entry("8.28.010", schedule="building")
    cited(officer, [weeds], today - timedelta(days=30))
    case = cited(officer, [weeds, junk], today)
    assert fine_of(case, weeds) == 20_000
    assert fine_of(case, junk) == 13_000  # building schedule, first for this section
    other = cited(officer, [weeds], today, party=party_data(name="Someone Else"))
    assert fine_of(other, weeds) == 10_000


def test_the_same_party_is_recognised_whatever_the_case_and_spacing(officer, weeds):
    today = department_today()
    cited(officer, [weeds], today - timedelta(days=10))
    again = party_data(name="  ROSA martínez ", mailing_address="po box 12 Stockton CA 95202")
    assert fine_of(cited(officer, [weeds], today, party=again), weeds) == 20_000


def test_a_custom_schedule_uses_its_own_amounts_and_look_back(officer, weeds):
    today = department_today()
    custom = codebook_entry(
        "C-9", schedule="custom", custom_amounts=[5_000, 15_000, 40_000], lookback_days=180
    )
    cited(officer, [custom], today - timedelta(days=181))
    assert fine_of(cited(officer, [custom], today - timedelta(days=1)), custom) == 5_000
    assert fine_of(cited(officer, [custom], today), custom) == 15_000  # the one a day ago counts


def test_a_senior_cso_overrides_a_fine_with_a_reason_and_the_citation_is_reissued(
    officer, senior, weeds
):
    case = cited(officer, [weeds], department_today())
    item = case.violations[0]
    first = notices.latest_notice(case, "citation")
    override_fine(case, item.id, senior, amount="$75.50", reason="Owner in hospital")
    assert item.amount_cents == 7_550 and item.fine_cents == 10_000
    newest = notices.latest_notice(case, "citation")
    assert newest.version == 2 and newest.snapshot["total_cents"] == 7_550
    assert db.session.get(Notice, first.id).superseded_at is not None
    assert "75.50" in pdf_text(notices.stored_pdf(newest))
    assert "100.00" in pdf_text(notices.stored_pdf(first))  # the old version is kept as it was


@pytest.mark.parametrize(
    ("amount", "reason", "who", "code"),
    [
        ("-5", "typo", "senior", "override_negative"),
        ("abc", "typo", "senior", "override_not_a_number"),
        ("NaN", "typo", "senior", "override_not_a_number"),
        ("1e400", "typo", "senior", "override_not_a_number"),
        ("10.001", "typo", "senior", "override_not_a_number"),
        ("50", "  ", "senior", "reason_required"),
        ("50", "typo", "officer", "not_senior"),
    ],
)
def test_a_bad_override_changes_nothing(officer, senior, weeds, amount, reason, who, code):
    case = cited(officer, [weeds], department_today())
    versions = db.session.scalar(select(func.count(RecordVersion.id)))
    user = senior if who == "senior" else officer
    with pytest.raises(CitationError) as refused:
        override_fine(case, case.violations[0].id, user, amount=amount, reason=reason)
    assert refused.value.code == code
    db.session.refresh(case.violations[0])
    assert case.violations[0].amount_cents == 10_000
    assert db.session.scalar(select(func.count(Notice.id))) == 2  # warning and citation
    assert db.session.scalar(select(func.count(RecordVersion.id))) == versions


def test_parse_override_reads_dollars():
    assert parse_override("1,300") == 130_000
    assert parse_override(" 0 ") == 0


# -- Deadlines --------------------------------------------------------------------------------


def test_deadlines_come_from_the_codebook_and_the_settings(officer, weeds):
    today = department_today()
    case = blight_case(officer, [weeds], today=today)
    warn(case, officer, today=today)
    assert case.correction_due == today + timedelta(days=14)
    assert [(d.name, d.days_left) for d in deadlines(case, today)] == [("correction_due", 14)]
    case = cited(officer, [weeds], today)
    shown = {d.name: (d.due, d.days_left) for d in deadlines(case, today + timedelta(days=10))}
    assert shown["payment_due"] == (today + timedelta(days=30), 20)
    assert shown["hearing_request_due"] == (today + timedelta(days=15), 5)


def test_a_deadline_before_the_observation_is_refused_and_changes_nothing(officer, weeds):
    today = department_today()
    case = blight_case(officer, [weeds], today=today)
    with pytest.raises(CitationError) as refused:
        warn(case, officer, correction_due=today - timedelta(days=1), today=today)
    assert refused.value.code == "deadline_before_observation"
    db.session.refresh(case)
    assert case.state == "observed" and case.correction_due is None
    assert db.session.scalar(select(func.count(Notice.id))) == 0


def test_a_citation_with_no_violation_is_refused(officer, weeds):
    today = department_today()
    case = blight_case(officer, [weeds], today=today - timedelta(days=20))
    warn(case, officer, today=today - timedelta(days=20))
    reinspect(
        case, officer, corrected=False, notes=None, uploads=[], today=today - timedelta(days=3)
    )
    with pytest.raises(CitationError) as refused:
        cite(case, officer, violation_ids=[], today=today)
    assert refused.value.code == "no_violation"
    assert case.state == "not_corrected" and case.cited_on is None
    assert db.session.scalar(select(func.count(Notice.id))) == 1


# -- Who may cite ------------------------------------------------------------------------------


def test_only_trained_users_may_warn_and_cite(users, senior, weeds, ctx):
    untrained = users.cso()
    case = blight_case(untrained, [weeds])  # anyone may record the observation
    assert case.state == "observed"
    with pytest.raises(CitationError) as refused:
        warn(case, untrained)
    assert refused.value.code == "not_trained"
    record_training(
        untrained,
        trained_on=department_today() - timedelta(days=400),
        expires_on=department_today() - timedelta(days=1),
        note=None,
        by=senior,
    )
    assert not may_cite(untrained)  # expired
    record_training(untrained, trained_on=department_today(), expires_on=None, note="", by=senior)
    assert may_cite(untrained)
    warn(case, untrained)
    assert case.state == "warned"


def test_training_is_recorded_only_by_a_senior_cso_or_admin(users, ctx):
    cso = users.cso()
    with pytest.raises(CitationError) as refused:
        record_training(cso, trained_on=department_today(), expires_on=None, note=None, by=cso)
    assert refused.value.code == "not_supervisor"
    with pytest.raises(CitationError):
        record_training(
            cso,
            trained_on=department_today(),
            expires_on=department_today(),
            note=None,
            by=users.admin(),
        )
    assert not may_cite(cso)


# -- The later steps ---------------------------------------------------------------------------


def test_hearing_final_order_and_appeal_deadline(officer, senior, weeds):
    today = department_today()
    case = cited(officer, [weeds], today - timedelta(days=40))
    with pytest.raises(CitationError) as late:
        record_step(case, officer, "hearing_requested", on=today - timedelta(days=20))
    assert late.value.code == "hearing_request_late"
    record_step(case, officer, "hearing_requested", on=today - timedelta(days=30))
    with pytest.raises(CitationError) as refused:
        record_step(case, officer, "order_final", on=today - timedelta(days=25))
    assert refused.value.code == "not_supervisor"
    record_step(case, senior, "order_final", on=today - timedelta(days=25))
    assert case.appeal_due == today - timedelta(days=5)
    with pytest.raises(CitationError) as late:
        record_step(case, officer, "appealed", on=today)
    assert late.value.code == "appeal_late"
    record_step(case, officer, "collection", on=today)
    assert case.state == "collection"
    with pytest.raises(CitationError):
        record_step(case, senior, "waived", on=today, note="")
    record_step(case, senior, "waived", on=today, note="Fixed income, hardship shown")
    record_step(case, officer, "closed", on=today)
    assert case.state == CaseState.CLOSED
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_id == str(case.id))
    ).all()
    for step in ("warned", "reinspected", "cited", "hearing_requested", "order_final", "closed"):
        assert f"blight_case.{step}" in actions


def test_collection_waits_for_the_payment_deadline_and_steps_keep_their_order(officer, weeds):
    today = department_today()
    case = cited(officer, [weeds], today)
    with pytest.raises(CitationError) as refused:
        record_step(case, officer, "collection", on=today)
    assert refused.value.code == "payment_not_overdue"
    with pytest.raises(CitationError) as refused:
        record_step(case, officer, "paid", on=today + timedelta(days=1))
    assert refused.value.code == "date_in_future"
    with pytest.raises(CitationError) as refused:
        reinspect(case, officer, corrected=True, notes=None, uploads=[])
    assert refused.value.code == "wrong_state"
    record_step(case, officer, "paid", on=today)
    assert case.state == "paid" and case.paid_on == today


# -- Notices ------------------------------------------------------------------------------------


def test_the_spanish_citation_pdf_has_both_languages_the_fine_and_deadlines(officer, weeds):
    today = department_today()
    case = cited(officer, [weeds], today)
    notice = notices.latest_notice(case, "citation")
    content = notices.stored_pdf(notice)
    assert hashlib.sha256(content).hexdigest() == notice.pdf_sha256
    text = pdf_text(content)
    assert "Citación administrativa" in text and "Administrative citation" in text
    assert "$100.00" in text or "100,00" in text
    assert "Rosa Martínez" in text and "8.24.040" in text
    assert "Vegetación crecida" in text and "Overgrown vegetation" in text
    due = today + timedelta(days=30)
    assert str(due.year) in text and "Dana Reyes" in text and "d.reyes" in text


@pytest.mark.parametrize(
    ("language", "name", "expected"),
    [("km", KHMER_NAME, "ជូនដំណឹង"), ("pa", PUNJABI_NAME, "ਉਲੰਘਣਾ")],
)
def test_khmer_and_punjabi_notices_are_shaped_in_the_pdf(officer, weeds, language, name, expected):
    case = blight_case(officer, [weeds], party=party_data(name=name, language=language))
    notice = warn(case, officer)
    content = notices.stored_pdf(notice)
    text = flat(pdf_text(content))
    assert flat(name) in text
    assert expected in notice.snapshot["texts"][language]["title"]  # translated, not English
    assert expected in text
    assert "Noticeofviolationandordertocorrect" in text  # the English alongside
    fonts = {
        str(font.get_object()["/BaseFont"]).replace("-", "")
        for page in PdfReader(io.BytesIO(content)).pages
        for font in page["/Resources"]["/Font"].values()
    }
    script_font = "NotoSansKhmer" if language == "km" else "NotoSansGurmukhi"
    assert any(script_font in font for font in fonts)


def test_an_issued_notice_is_locked_against_later_codebook_changes(officer, weeds):
    notice = warn(blight_case(officer, [weeds]), officer)
    before = notices.stored_pdf(notice)
    weeds.titles = {"en": "Renamed afterwards"}
    db.session.commit()
    stored = db.session.get(Notice, notice.id)
    assert stored.snapshot["violations"][0]["titles"]["en"] == "Overgrown vegetation 8.24.040"
    assert notices.stored_pdf(stored) == before


def test_reinspections_due_today_nearest_first(officer, weeds):
    today = department_today()
    far = blight_case(
        officer, [weeds], latitude=37.99, longitude=-121.30, today=today - timedelta(days=14)
    )
    near = blight_case(
        officer, [weeds], latitude=37.9586, longitude=-121.2906, today=today - timedelta(days=14)
    )
    later = blight_case(officer, [weeds], today=today - timedelta(days=14))
    for case in (far, near):
        warn(case, officer, correction_due=today, today=today - timedelta(days=14))
    warn(later, officer, correction_due=today + timedelta(days=3), today=today - timedelta(days=14))
    rows, more = lists.reinspections_due(today, 37.9585, -121.2905)
    assert [row.id for row in rows] == [near.id, far.id] and not more
    assert rows[0].distance_m == pytest.approx(
        distance_m(37.9585, -121.2905, 37.9586, -121.2906), rel=0.005
    )
    assert rows[1].distance_m == pytest.approx(
        distance_m(37.9585, -121.2905, 37.99, -121.30), rel=0.005
    )
    assert (rows[0].reference, rows[0].party_name) == (near.reference, near.party_name)
    assert lists.reinspections_due_count(today) == 2


def test_reinspections_due_pages_nearest_first_then_those_without_a_position(
    officer, weeds, monkeypatch
):
    monkeypatch.setattr(lists, "PAGE", 2)
    today = department_today()
    earlier = today - timedelta(days=14)
    cases = [
        blight_case(officer, [weeds], latitude=37.9585 + n * 0.001, today=earlier) for n in range(3)
    ]
    cases.append(blight_case(officer, [weeds], latitude=None, longitude=None, today=earlier))
    cases.append(blight_case(officer, [weeds], latitude=None, longitude=None, today=earlier))
    for number, case in enumerate(cases):
        warn(case, officer, correction_due=today - timedelta(days=number), today=earlier)
    pages = [lists.reinspections_due(today, 37.9585, -121.2905, page) for page in (1, 2, 3)]
    assert [[row.id for row in rows] for rows, _more in pages] == [
        [cases[0].id, cases[1].id],
        [cases[2].id, cases[4].id],  # the longest overdue first among those without one
        [cases[3].id],
    ]
    assert [more for _rows, more in pages] == [True, True, False]
    assert pages[1][0][1].distance_m is None
    rows, more = lists.reinspections_due(today, None, None)
    assert [row.id for row in rows] == [cases[4].id, cases[3].id] and more
