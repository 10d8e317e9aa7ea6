import pytest
import shapely

from cso_field.districts.services import ParsedDistrict, replace_districts
from cso_field.extensions import db


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


@pytest.fixture
def districts(ctx):
    """Two districts: North and South."""
    made = replace_districts(
        [
            ParsedDistrict("North", shapely.box(-121.30, 37.96, -121.28, 37.98)),
            ParsedDistrict("South", shapely.box(-121.30, 37.94, -121.28, 37.96)),
        ]
    )
    db.session.commit()
    return {district.name: district for district in made}
