"""The app and the benchmark's two yardsticks in one WSGI application, for the speed benchmark.

    gunicorn --worker-class gthread --workers 2 --threads 8 bench.wsgi:application

The real app is configured from the environment like `app.py`. Beside it:

- the **bare page**, mounted at /__bare__/ outside the app, so it runs none of the app's hooks
  (access rules, sessions, security headers, database): the floor, served by the same server,
  the same workers and the same Python;
- the **reference list page** (bench/reference.py), /__reference__/ on the real app, under all
  of its hooks: DESIGN.md's yardstick for every page's server CPU per request.
"""

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from bench.reference import REFERENCE_PATH, reference
from cso_field import create_app

__all__ = ["BARE_PREFIX", "REFERENCE_PATH", "app", "application"]

BARE_PREFIX = "/__bare__"
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


app = create_app()
app.register_blueprint(reference)
application = DispatcherMiddleware(app, {BARE_PREFIX: bare})
