"""Export routes: the form's target, the agency and public downloads for staff, and the
internal download for Senior CSOs and admins (a view of its own, for a step-up guard)."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from cso_field import audit
from cso_field.auth.mfa.step_up import step_up_required
from cso_field.exports import services
from cso_field.exports.profiles import AGENCY, INTERNAL, PROFILES, PUBLIC
from cso_field.extensions import db
from cso_field.htmx import see_other
from cso_field.records.registry import EXPORT_SOURCES
from cso_field.roles import SUPERVISORS, roles, staff

bp = Blueprint("exports", __name__, url_prefix="/exports")
NOT_FILTERS = {"profile", "format", "page", "csrf_token"}


def _source_or_404(name: str):
    source = EXPORT_SOURCES.get(name)
    if source is None:
        abort(404)
    return source


def _filters() -> dict:
    """The list's own filters, as its page had them."""
    return {key: value for key, value in request.args.items() if key not in NOT_FILTERS}


def may_export(user, profile: str) -> bool:
    """Every officer exports for another agency or a public records request; only Senior
    CSOs and admins with every field."""
    return profile != INTERNAL or user.role in SUPERVISORS


@bp.get("/<source>")
@staff
def start(source: str):
    """The export form on a list sends here; on to the file of the chosen profile."""
    _source_or_404(source)
    profile = request.args.get("profile")
    kind = request.args.get("format")
    if profile not in PROFILES or kind not in ("csv", "xlsx"):
        abort(400, _("Choose a profile and a format."))
    if not may_export(current_user, profile):
        _refuse(source, profile)
    endpoint = "exports.download_internal" if profile == INTERNAL else "exports.download"
    extra = {} if profile == INTERNAL else {"profile": profile}
    return see_other(url_for(endpoint, source=source, kind=kind, **extra, **_filters()))


def _refuse(source: str, profile: str):
    audit.record(
        "export.refused",
        outcome=audit.DENIED,
        object_type="export",
        object_id=source,
        detail=f"profile={profile}",
    )
    db.session.commit()
    abort(403)


def _send(source_name: str, profile_name: str, kind: str):
    source, profile, args = _source_or_404(source_name), PROFILES[profile_name], _filters()
    services.audit_export(source, profile, kind, args)
    filename = f"{source.name}-{profile.name}.{kind}"
    if kind == "xlsx":
        handle = services.xlsx_file(source, profile, args)
        return send_file(handle, mimetype=services.XLSX, as_attachment=True, download_name=filename)
    lines = services.csv_stream(current_app._get_current_object(), source, profile, args)
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(lines, mimetype="text/csv", headers=disposition)


@bp.get(f"/<source>/<any({AGENCY}, {PUBLIC}):profile>.<any(csv, xlsx):kind>")
@staff
def download(source: str, profile: str, kind: str):
    return _send(source, profile, kind)


@bp.get("/<source>/internal.<any(csv, xlsx):kind>")
@roles(*SUPERVISORS)
@step_up_required  # every field, personal data included: the second factor again
def download_internal(source: str, kind: str):
    return _send(source, INTERNAL, kind)


@bp.app_template_global()
def export_choices(source: str) -> list:
    """The list's own filters the export form offers as choices (e.g. a visit's outcome)."""
    found = EXPORT_SOURCES.get(source)
    return [item for item in found.own_filters if item.choices] if found else []


@bp.app_template_global()
def export_profiles() -> list:
    """The profiles the signed-in officer may export with, for the export form."""
    return [profile for name, profile in PROFILES.items() if may_export(current_user, name)]
