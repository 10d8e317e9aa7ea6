"""CSO Field: the application factory."""

import os
from pathlib import Path

from flask import Flask
from werkzeug.routing import IntegerConverter

from cso_field import storage
from cso_field.config import check_production_config, load_config

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> str:
    """templates/, static/ or translations/: inside the installed package, else beside it."""
    installed = PACKAGE_DIR / name
    return str(installed if installed.is_dir() else PACKAGE_DIR.parent / name)


class RecordIdConverter(IntegerConverter):
    """`<id:name>`: a positive database id; larger numbers are a 404, not a database error."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=2**31 - 1)


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=resource_dir("templates"),
        static_folder=resource_dir("static"),
        instance_path=os.environ.get("CSO_INSTANCE_PATH") or None,
    )
    app.config.update(load_config(app.instance_path))
    app.config["TRANSLATIONS_DIR"] = resource_dir("translations")
    app.config.update(config or {})
    check_production_config(app.config)
    storage.init_app(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["PROXY_COUNT"]:
        from cso_field.security import TrustedProxyFix

        app.wsgi_app = TrustedProxyFix(
            app.wsgi_app, app.config["PROXY_COUNT"], app.config["FORWARDED_ALLOW_IPS"]
        )

    app.url_map.converters["id"] = RecordIdConverter
    register_extensions(app)
    register_blueprints(app)
    register_record_types(app)
    register_workspace(app)
    from cso_field.numbers import tally

    tally.init_app(app)  # after the record types: it watches the models they registered
    register_hooks(app)
    from cso_field import cli, errors
    from cso_field.records import templating

    errors.register(app)
    templating.register(app)
    cli.register(app)
    return app


def register_extensions(app: Flask) -> None:
    import cso_field.models  # noqa: F401 (registers every table)
    from cso_field import database, i18n, security
    from cso_field.extensions import csrf, db, htmx, login_manager, migrate

    database.init_app(app)
    login_manager.init_app(app)
    migrate.init_app(app, db, directory=str(PACKAGE_DIR / "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    i18n.init_app(app)
    security.init_app(app)


def register_blueprints(app: Flask) -> None:
    from cso_field.accounts.routes import bp as accounts_bp
    from cso_field.audit.routes import bp as audit_bp
    from cso_field.auth.mfa.routes import bp as mfa_bp
    from cso_field.auth.routes import bp as auth_bp
    from cso_field.districts.routes import bp as districts_bp
    from cso_field.exports.routes import bp as exports_bp
    from cso_field.main.routes import bp as main_bp
    from cso_field.numbers.routes import bp as numbers_bp
    from cso_field.offline.routes import bp as offline_bp
    from cso_field.operations.health import bp as operations_bp
    from cso_field.photos.routes import bp as photos_bp
    from cso_field.records.routes import bp as records_bp
    from cso_field.retention.routes import bp as retention_bp
    from cso_field.search.routes import bp as search_bp

    for blueprint in (
        auth_bp,
        main_bp,
        mfa_bp,
        accounts_bp,
        audit_bp,
        search_bp,
        photos_bp,
        districts_bp,
        records_bp,
        offline_bp,
        operations_bp,
        retention_bp,
        numbers_bp,
        exports_bp,
    ):
        app.register_blueprint(blueprint)


def register_record_types(app: Flask) -> None:
    """The record types this app is built from. Importing one registers it with the core
    (records.registry); here it adds its blueprints and commands. Only this function and
    cso_field.models import record-type packages (see the import contracts)."""
    from cso_field.citations.routes import bp as citations_bp
    from cso_field.custody.routes import bp as custody_bp
    from cso_field.field_notes.routes import bp as field_notes_bp
    from cso_field.special_checks.commands import special_checks as special_checks_cli
    from cso_field.special_checks.public import bp as special_checks_public_bp
    from cso_field.special_checks.routes import bp as special_checks_bp
    from cso_field.surveys.commands import surveys as surveys_cli
    from cso_field.surveys.routes import bp as surveys_bp
    from cso_field.traffic_posts.routes import bp as traffic_posts_bp

    app.register_blueprint(field_notes_bp)
    app.register_blueprint(citations_bp)
    app.register_blueprint(special_checks_bp)
    app.register_blueprint(special_checks_public_bp)
    app.register_blueprint(traffic_posts_bp)
    app.register_blueprint(surveys_bp)
    # After the special checks: the first resident area is the start page's for residents.
    from cso_field.neighborhood_watch.public import bp as neighborhood_watch_public_bp
    from cso_field.neighborhood_watch.routes import bp as neighborhood_watch_bp

    app.register_blueprint(neighborhood_watch_bp)
    app.register_blueprint(neighborhood_watch_public_bp)
    app.register_blueprint(custody_bp)
    from cso_field.calls.routes import bp as calls_bp

    app.register_blueprint(calls_bp)
    from cso_field.betterment.routes import bp as betterment_bp

    app.register_blueprint(betterment_bp)
    app.cli.add_command(special_checks_cli)
    app.cli.add_command(special_checks_cli, "checks")  # the name cron lines used before
    app.cli.add_command(surveys_cli)
    from cso_field.community.commands import community as community_cli
    from cso_field.community.public import bp as community_public_bp
    from cso_field.community.routes import bp as community_bp

    app.register_blueprint(community_bp)
    app.register_blueprint(community_public_bp)
    app.cli.add_command(community_cli)
    from cso_field.missing_persons.commands import missing_persons as missing_persons_cli
    from cso_field.missing_persons.routes import bp as missing_persons_bp

    app.register_blueprint(missing_persons_bp)
    app.cli.add_command(missing_persons_cli)


def register_workspace(app: Flask) -> None:
    """The Senior CSO's workspace: assignments, and the team (board, roster, training). They
    reach the record types only through the core's registry, like Search and Today."""
    from cso_field.assignments.routes import bp as assignments_bp
    from cso_field.team.routes import bp as team_bp

    app.register_blueprint(assignments_bp)
    app.register_blueprint(team_bp)


def register_hooks(app: Flask) -> None:
    from cso_field import access
    from cso_field.forms import input_attributes
    from cso_field.htmx import HTMX_CONFIG, HTMX_VERSION, add_vary_header
    from cso_field.main.navigation import nav_items
    from cso_field.operations import requests
    from cso_field.timeutil import utcnow

    app.before_request(access.enforce_access_rule)
    requests.init_app(app)  # first of the before_request hooks: the request id
    app.after_request(add_vary_header)
    app.jinja_env.globals.update(
        htmx_config=HTMX_CONFIG,
        htmx_version=HTMX_VERSION,
        nav_items=nav_items,
        now_utc=utcnow,
        input_attributes=input_attributes,
    )
