"""The app and a bare Flask page in one WSGI application, for the speed benchmark.

    gunicorn --worker-class gthread --workers 2 --threads 8 bench.wsgi:application

The real app is configured from the environment like `app.py`. The bare page is mounted at
/__bare__/ outside it, so it runs none of the app's hooks (access rules, sessions, security
headers, database): it is the floor that DESIGN.md's "≤ 5x a bare Flask page" is measured
against, served by the same server, the same workers and the same Python.
"""

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from cso_field import create_app

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
application = DispatcherMiddleware(app, {BARE_PREFIX: bare})
