"""Example district boundaries around downtown Stockton, CA, for the demo department.

These are NOT the department's real beat map: a grid of plausible areas named as a
department would name them, each marked "(demo)". Upload the real GeoJSON to replace them.
"""

import shapely

from cso_field.districts.services import ParsedDistrict, replace_districts
from cso_field.extensions import db

# name -> (south, west, north, east)
EXAMPLE_DISTRICTS = {
    "Downtown (demo)": (37.945, -121.300, 37.962, -121.280),
    "Midtown (demo)": (37.962, -121.300, 37.980, -121.280),
    "Port / Boggs Tract (demo)": (37.945, -121.330, 37.970, -121.300),
    "East Stockton (demo)": (37.945, -121.280, 37.970, -121.255),
    "South Stockton (demo)": (37.925, -121.300, 37.945, -121.265),
}


def load_example_districts() -> str:
    parsed = [
        ParsedDistrict(name=name, geometry=shapely.box(west, south, east, north))
        for name, (south, west, north, east) in EXAMPLE_DISTRICTS.items()
    ]
    replace_districts(parsed)
    db.session.commit()
    return f"{len(parsed)} example districts (demo boundaries, not the real beat map)."
