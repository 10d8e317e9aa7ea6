"""Entry point: `flask --app app ...` and `gunicorn app:app`."""

from cso_field import create_app

app = create_app()
