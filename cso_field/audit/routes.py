from functools import cache

from flask import Blueprint, current_app, request

from cso_field.audit import action_label
from cso_field.audit.forms import AuditFilterForm, outcome_labels
from cso_field.audit.services import search_audit
from cso_field.htmx import render
from cso_field.roles import Role, role_label, roles

bp = Blueprint("audit", __name__, url_prefix="/audit")
FILTERS = ("q", "outcome", "since", "until")


@bp.get("/")
@roles(Role.SENIOR_CSO, Role.ADMIN)
def index():
    form = AuditFilterForm(request.args)
    valid = form.validate()
    results = None
    if valid:
        results = search_audit(
            text=form.q.data,
            outcome=form.outcome.data or None,
            since=form.since.data,
            until=form.until.data,
            page=form.page.data or 1,
            per_page=current_app.config["AUDIT_PAGE_SIZE"],
        )
    # Only the filters go into the page links: any other name could collide with url_for's
    # own arguments (?_method=POST was a 500).
    page_args = {name: request.args[name] for name in FILTERS if request.args.get(name)}
    body = render(
        "audit/index.html",
        "audit/_results.html",
        form=form,
        results=results,
        page_args=page_args,
        outcome_labels=outcome_labels(),
        # Translated once per distinct action and role on the page, not once a row.
        action_label=cache(action_label),
        role_label=cache(role_label),
    )
    return body, 200 if valid else 422
