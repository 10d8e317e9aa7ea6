"""DESIGN.md's yardstick: the reference list page, added to the real app by bench/wsgi.py.

Signed-in staff only (an access rule like every route): the app's own hooks load the session
from the database, then one indexed query reads the 20 newest rows of the largest table
(check_visit in bench/generate.py's data, newest first on ix_check_visit_created), and
base.html renders them. Every page's server CPU per request is budgeted as a multiple of this
page's (bench/speed.py).
"""

from flask import Blueprint, render_template
from sqlalchemy import select

from cso_field.extensions import db
from cso_field.roles import staff
from cso_field.special_checks.models import CheckVisit

REFERENCE_PATH = "/__reference__/"
REFERENCE_ROWS = 20

reference = Blueprint("bench", __name__, template_folder="templates")


@reference.get(REFERENCE_PATH)
@staff
def reference_list() -> str:
    newest = select(CheckVisit).order_by(CheckVisit.created_at.desc()).limit(REFERENCE_ROWS)
    visits = db.session.scalars(newest).all()
    return render_template("bench/reference_list.html", visits=visits)
