"""Issue 14 on a phone: a Senior CSO assigns a special check to a CSO; the CSO sees it on
Today, accepts it, visits the check and completes the assignment by linking that visit; the
Senior CSO returns the visit with a comment, the CSO reads it on Today, corrects the visit's
notes and resubmits it, the Senior CSO approves it, and District numbers count it. The
main action of each new screen (an assignment, the new-assignment form, the team board, the
roster) is reachable with one thumb at 390x844, above the bottom bar, in English and Spanish."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from cso_field.assignments import services
from cso_field.assignments.models import Assignment
from cso_field.extensions import db
from cso_field.special_checks.models import CheckVisit
from cso_field.timeutil import utcnow
from tests.e2e.conftest import PHONE, csp_violations, log_in
from tests.factories import HERE, PASSWORD, UserFactory, make_check

pytestmark = pytest.mark.e2e
POSITION = {"latitude": HERE[0], "longitude": HERE[1], "accuracy": 12}


@pytest.fixture
def located_phone(browser):
    context = browser.new_context(**PHONE, geolocation=POSITION, permissions=["geolocation"])
    page = context.new_page()
    yield page
    context.close()


def _reachable(page, locator) -> None:
    """Visible on the first screen, without scrolling, above the bottom bar."""
    expect(locator).to_be_visible()
    assert page.evaluate("window.scrollY") == 0
    box = locator.bounding_box()
    nav_top = page.locator(".app-nav").bounding_box()["y"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["viewport"]["width"]
    assert box["y"] >= 0 and box["y"] + box["height"] <= nav_top, box
    assert box["height"] >= 44


def test_senior_assigns_a_check_the_cso_completes_it_and_the_visit_is_reviewed_and_counted(
    phone, located_phone, live_server
):
    base_url, app = live_server
    users = UserFactory(app)
    with app.test_request_context():
        senior = users.senior(username="sam.senior", display_name="Sam Senior")
        cso = users.cso(username="dana.reyes", display_name="Dana Reyes")
        check = make_check(address="2120 Pacific Ave")

    page = phone
    log_in(page, base_url, senior.username, PASSWORD)
    page.goto(f"{base_url}/assignments/new")
    page.get_by_label("Kind of work").select_option("check_visit")
    page.get_by_label("Assign to").select_option(f"user:{cso.id}")
    page.get_by_label("What to do").fill(f"Vacation house check at {check.address}")
    page.get_by_label("Priority").select_option("high")
    page.get_by_role("button", name="Assign").tap()
    expect(page.get_by_text("Work assigned.")).to_be_visible()
    expect(page.get_by_text("Not accepted")).to_be_visible()
    assert csp_violations(page) == []

    phone = located_phone
    log_in(phone, base_url, cso.username, PASSWORD)
    card = phone.locator("#today-assignments")
    expect(card).to_contain_text("Vacation house check")
    expect(card).to_contain_text("Not accepted")
    card.get_by_role("link", name="Check visit").tap()
    accept = phone.get_by_role("button", name="Accept")
    _reachable(phone, accept)
    accept.tap()
    expect(phone.get_by_text("Assignment accepted.")).to_be_visible()
    task_url = phone.url

    phone.goto(f"{base_url}/checks/{check.id}")
    expect(phone.locator("[data-location-status]")).to_contain_text("12")
    phone.locator('button.outcome-button[value="all_secure"]').tap()
    expect(phone.get_by_text("Visited today").first).to_be_visible()
    with app.app_context():
        made = db.session.scalars(select(CheckVisit)).one()

    phone.goto(task_url)
    phone.get_by_label("The record you made").select_option(str(made.id))
    complete = phone.get_by_role("button", name="Complete")
    _reachable(phone, complete)
    complete.tap()
    expect(phone.get_by_text("Assignment completed.")).to_be_visible()
    expect(phone.locator(".facts")).to_contain_text(made.reference)
    with app.app_context():
        done = db.session.scalars(select(Assignment)).one()
        assert (done.state, done.record_type, done.record_id) == ("done", "check_visit", made.id)

    # The Senior CSO returns the visit from the review queue, with a comment.
    page.goto(f"{base_url}/records/review")
    page.get_by_role("link", name=made.reference).tap()
    page.get_by_label("What needs to change").fill("Say which doors and windows you checked.")
    page.get_by_role("button", name="Return for changes").tap()
    expect(page.get_by_text(f"{made.reference} returned to its author.")).to_be_visible()

    # The CSO reads the comment on Today, corrects the notes and resubmits.
    phone.goto(f"{base_url}/")
    returned = phone.locator("section", has_text="Returned to you for changes")
    expect(returned).to_contain_text("Say which doors and windows you checked.")
    returned.get_by_role("link", name=made.reference).tap()
    phone.get_by_role("link", name="Edit").tap()
    phone.get_by_label("Notes").fill("Front door, garage and both back windows locked.")
    phone.get_by_role("button", name="Save changes").tap()
    expect(phone.get_by_text("Changes saved.")).to_be_visible()
    phone.get_by_role("button", name="Resubmit for review").tap()
    expect(phone.get_by_text(f"{made.reference} sent for review.")).to_be_visible()
    expect(phone.locator(".observation")).to_contain_text("both back windows locked")

    # The Senior CSO approves it; District numbers count the visit by its outcome.
    page.goto(f"{base_url}/records/review")
    page.get_by_role("link", name=made.reference).tap()
    expect(page.locator(".observation")).to_contain_text("both back windows locked")
    page.get_by_role("button", name="Approve").tap()
    expect(page.get_by_text(f"{made.reference} approved.")).to_be_visible()
    page.goto(f"{base_url}/numbers/")
    visits = page.locator('tr[data-figure="check_visit"]')
    expect(visits.locator("td").first).to_have_text("1")
    outcomes = page.locator("section", has=page.locator("#numbers-check_visit"))
    expect(outcomes.get_by_role("row", name="All secure")).to_contain_text("1")
    assert csp_violations(page) == []


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_workspace_main_actions_fit_one_thumb(browser, live_server, language):
    base_url, app = live_server
    users = UserFactory(app)
    with app.test_request_context():
        senior = users.senior(locale=language)
        cso = users.cso(locale=language)
        task = services.assign(
            services.Work(
                "deliver_message",
                "Deliver the hearing letter to the apartment office on Hammer Lane",
                "1234 W Hammer Ln",
                "urgent",
                utcnow(),
                cso.id,
                None,
            ),
            senior,
        )
    context = browser.new_context(**PHONE)
    page = context.new_page()
    log_in(page, base_url, cso.username, PASSWORD)
    page.goto(f"{base_url}/assignments/{task.id}")
    _reachable(page, page.locator("form.main-action button[type=submit]"))
    page.goto(f"{base_url}/team/roster")
    _reachable(page, page.locator("form.record-form button[type=submit]"))
    page.goto(f"{base_url}/team/")
    _reachable(page, page.locator(".page-head .button-primary"))
    page.context.clear_cookies()
    log_in(page, base_url, senior.username, PASSWORD)
    page.goto(f"{base_url}/assignments/new")
    _reachable(page, page.locator("form.record-form button[type=submit]"))
    page.goto(f"{base_url}/team/")
    _reachable(page, page.locator(".page-head .button-primary"))
    page.goto(f"{base_url}/assignments/")
    _reachable(page, page.locator(".page-head .button-primary"))
    context.close()
