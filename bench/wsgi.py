"""The app and the benchmark's two yardsticks in one WSGI application, for the speed benchmark.

    gunicorn --worker-class gthread --workers 2 --threads 8 bench.wsgi:application

The real app is configured from the environment like `app.py`. Beside it:

- the **bare page**, mounted at /__bare__/ outside the app, so it runs none of the app's hooks
  (access rules, sessions, security headers, database): the floor, served by the same server,
  the same workers and the same Python;
- the **reference list page** (DESIGN.md's yardstick), /__reference__/ on the real app, for
  signed-in staff: the app's own hooks load the session from the database, then one indexed
  query reads the 20 newest rows of the largest table (check_visit in bench/generate.py's data,
  newest first on ix_check_visit_created) and base.html renders them. Every page's server CPU
  per request is budgeted as a multiple of this page's.
"""

from flask import Blueprint, Flask, render_template
from sqlalchemy import select
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from cso_field import create_app
from cso_field.extensions import db
from cso_field.roles import staff
from cso_field.special_checks.models import CheckVisit

BARE_PREFIX = "/__bare__"
REFERENCE_PATH = "/__reference__/"
REFERENCE_ROWS = 20
BARE_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Bare Flask page</title></head>
<body><h1>Bare Flask page</h1><p>The benchmark's baseline.</p></body>
</html>
"""

bare = Flask(__name__)


@bare.get("/")
def bare_page() -> str:
    return BARE_PAGE


reference = Blueprint("bench", __name__, template_folder="templates")


@reference.get(REFERENCE_PATH)
@staff
def reference_list() -> str:
    newest = select(CheckVisit).order_by(CheckVisit.created_at.desc()).limit(REFERENCE_ROWS)
    visits = db.session.scalars(newest).all()
    return render_template("bench/reference_list.html", visits=visits)


app = create_app()
app.register_blueprint(reference)
application = DispatcherMiddleware(app, {BARE_PREFIX: bare})
