"""Fixtures of the special check tests: a signed-in CSO, and a request made online."""

import pytest
from sqlalchemy import select

from cso_field.extensions import db
from cso_field.special_checks.models import SpecialCheck
from tests.factories import manage_token, outbox, spanish_request, submit_request


@pytest.fixture
def cso(users):
    return users.cso(display_name="Dana Reyes")


@pytest.fixture
def cso_client(client, cso, login):
    login(cso)
    return client


@pytest.fixture
def requested(app, client):
    """A Spanish request sent online; returns (check, private link path)."""
    assert submit_request(client, spanish_request()).status_code == 201
    check = db.session.scalars(select(SpecialCheck)).one()
    return check, f"/check-request/manage/{manage_token(outbox()[0])}"
