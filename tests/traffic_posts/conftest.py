"""Fixtures of the traffic tests: a Senior CSO in charge, two CSOs, an open parade with a post."""

import pytest

from tests.factories import make_incident, make_post


@pytest.fixture
def request_context(app):
    with app.test_request_context():
        yield


@pytest.fixture
def senior(users):
    return users.senior(display_name="Sam Nguyen")


@pytest.fixture
def cso(users):
    return users.cso(display_name="Dana Reyes")


@pytest.fixture
def cso2(users):
    return users.cso(display_name="Lee Park")


@pytest.fixture
def parade(request_context, senior):
    return make_incident(senior)


@pytest.fixture
def post(parade):
    return make_post(parade)
