"""Traffic posts on phones: a Senior CSO opens a parade with two posts and assigns two CSOs;
each taps On post on Today; one adds an activity entry and is relieved; the Senior CSO's live
board shows it all without a reload; the ICS 214 PDF lists both with their times and the entry."""

import io
import re

import pytest
from flask_babel import format_datetime
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from cso_field.extensions import db
from cso_field.traffic_posts.models import PostAssignment, TrafficIncident
from cso_field.traffic_posts.services import assign as assign_cso
from tests.e2e.conftest import CSP_LISTENER, PHONE, csp_violations, log_in
from tests.factories import HERE, PASSWORD, UserFactory, make_incident, make_post

pytestmark = pytest.mark.e2e
POSITION = {"latitude": HERE[0], "longitude": HERE[1], "accuracy": 10}


def phone_page(browser):
    context = browser.new_context(**PHONE, geolocation=POSITION, permissions=["geolocation"])
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.console_messages_seen = []
    page.on("console", lambda message: page.console_messages_seen.append(message.text))
    return context, page


def in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] + box["height"] <= page.viewport_size["height"]


def add_post(page, name):
    page.locator("#name").fill(name)
    page.locator("#address").fill(f"{name}, Stockton")
    page.get_by_role("button", name="Add the post").tap()
    expect(page.locator(f"#assign-post option:text('{name}')")).to_have_count(1)


def assign(page, post, cso_name):
    page.locator("#assign-post").select_option(label=post)
    page.get_by_label("CSO", exact=True).select_option(label=cso_name)
    page.get_by_role("button", name="Assign", exact=True).tap()
    expect(page.get_by_text(f"{cso_name} · {post}")).to_be_visible()


def tap_on_post(page, base_url, user):
    log_in(page, base_url, user.username, PASSWORD)
    button = page.get_by_role("button", name="On post")
    expect(button).to_be_visible()
    assert in_viewport(page, button), "On post must be reachable without scrolling"
    button.tap()
    page.wait_for_url(f"{base_url}/today")
    expect(page.get_by_role("button", name="Relieved")).to_be_visible()


def test_a_parade_from_assignment_to_the_ics_214(browser, live_server):
    base_url, app = live_server
    users = UserFactory(app)
    senior = users.senior(display_name="Sam Nguyen")
    dana = users.cso(display_name="Dana Reyes")
    lee = users.cso(display_name="Lee Park")
    contexts = []
    try:
        context, boss = phone_page(browser)
        contexts.append(context)
        log_in(boss, base_url, senior.username, PASSWORD)
        boss.goto(f"{base_url}/traffic/new?kind=parade")
        boss.get_by_label("Name").fill("Harvest parade")
        boss.locator("#address").fill("Main St & Center St")
        boss.get_by_role("button", name="Open it").first.tap()
        expect(boss.get_by_role("heading", name="Harvest parade")).to_be_visible()
        incident_url = boss.url

        boss.get_by_role("link", name="Posts, assignments and equipment").tap()
        add_post(boss, "Main & Center")
        add_post(boss, "Weber & El Dorado")
        assign(boss, "Main & Center", "Dana Reyes")
        assign(boss, "Weber & El Dorado", "Lee Park")

        boss.goto(incident_url)  # the live board, left open from here on
        board = boss.locator("#board")
        expect(board).to_contain_text("2 without anyone on post")

        context, dana_page = phone_page(browser)
        contexts.append(context)
        tap_on_post(dana_page, base_url, dana)
        context, lee_page = phone_page(browser)
        contexts.append(context)
        tap_on_post(lee_page, base_url, lee)
        expect(board).to_contain_text(re.compile(r"Dana Reyes · \d+ min"))
        expect(board).to_contain_text(re.compile(r"Lee Park · \d+ min"))
        expect(board).to_contain_text("0 without anyone on post")

        dana_page.get_by_role("link", name="Open the board").tap()
        dana_page.get_by_label("Activity").fill("southbound lane reopened")
        dana_page.get_by_role("button", name="Add to the log").tap()
        expect(dana_page.locator("#board")).to_contain_text("southbound lane reopened")
        dana_page.get_by_role("button", name="Relieved").tap()
        expect(dana_page.get_by_role("button", name="Relieved")).to_have_count(0)

        expect(board).to_contain_text("southbound lane reopened")
        expect(board).to_contain_text("Dana Reyes (relieved")
        expect(board).to_contain_text("1 without anyone on post")
        assert boss.url == incident_url  # no reload, no navigation

        incident = db.session.scalars(select(TrafficIncident)).one()
        period = incident.periods[0]
        stints = {a.user_id: a for a in db.session.scalars(select(PostAssignment))}
        pdf = boss.request.get(f"{base_url}/traffic/{incident.id}/periods/{period.id}/ics214.pdf")
        assert pdf.headers["content-type"] == "application/pdf"
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
        with app.test_request_context():
            times = [
                format_datetime(stints[dana.id].on_post_at, "HH:mm"),
                format_datetime(stints[dana.id].relieved_at, "HH:mm"),
                format_datetime(stints[lee.id].on_post_at, "HH:mm"),
            ]
        for expected in (
            "Harvest parade",
            "Dana Reyes",
            "Lee Park",
            "southbound lane reopened",
            *times,
        ):
            assert expected in text, expected
        for page in (boss, dana_page, lee_page):
            assert csp_violations(page) == []
    finally:
        for context in contexts:
            context.close()


@pytest.mark.parametrize("locale", ["en", "es"])
def test_the_main_actions_are_reachable_without_scrolling(browser, live_server, locale):
    base_url, app = live_server
    users = UserFactory(app)
    senior = users.senior(display_name="Sam Nguyen", locale=locale)
    cso = users.cso(display_name="Dana Reyes", locale=locale)
    with app.test_request_context():
        incident = make_incident(senior)
        assign_cso(make_post(incident, name="Main & Center"), incident.periods[0], cso.id)
    labels = {"en": ("On post", "Open it"), "es": ("En su puesto", "Abrir")}[locale]
    context, page = phone_page(browser)
    try:
        log_in(page, base_url, cso.username, PASSWORD)
        assert in_viewport(page, page.get_by_role("button", name=labels[0]))
        page.goto(f"{base_url}/traffic/new?kind=collision")
        assert in_viewport(page, page.get_by_role("button", name=labels[1], exact=True).first)
        page.goto(f"{base_url}/traffic/{incident.id}")
        assert in_viewport(page, page.get_by_role("button", name=labels[0]))
    finally:
        context.close()
