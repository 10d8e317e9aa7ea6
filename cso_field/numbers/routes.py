"""District numbers: the page, its print page and its PDF (Senior CSOs and admins)."""

from datetime import date

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from cso_field.districts.models import District
from cso_field.documents import pdf_response, render_pdf
from cso_field.extensions import db
from cso_field.numbers import services
from cso_field.roles import SUPERVISORS, roles
from cso_field.timeutil import department_today, utcnow

bp = Blueprint("numbers", __name__, url_prefix="/numbers")

PERIOD_ERRORS = {
    "custom_dates": lambda: _("Give the first and the last day of the period."),
    "custom_order": lambda: _("The last day comes before the first."),
    "custom_length": lambda: _("A period can be at most five years long."),
}


QUERY_WORDS = ("district", "period", "on", "first", "last")


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _context() -> tuple[dict, int]:
    """What every view of the numbers shows, and its status (422 for a period that is not)."""
    districts = list(db.session.scalars(select(District).order_by(District.name)))
    district = next((d for d in districts if d.id == request.args.get("district", type=int)), None)
    kind = request.args.get("period") if request.args.get("period") in services.PERIODS else "month"
    anchor = _date_arg("on") or department_today()
    context = {"districts": districts, "district": district, "kind": kind, "anchor": anchor}
    context |= {"first": _date_arg("first"), "last": _date_arg("last"), "error": None}
    # The links to the other views carry the choice, never other query words (`_method`, …).
    context["query"] = {name: request.args[name] for name in QUERY_WORDS if name in request.args}
    try:
        chosen = services.period(kind, anchor, context["first"], context["last"])
    except services.PeriodError as error:
        context["error"] = PERIOD_ERRORS[error.code]()
        chosen = services.period("month", anchor)
    rows = services.figures(district.id if district else None, chosen)
    context |= {"chosen": chosen, "rows": rows, "overdue": services.overdue_work(rows)}
    return context, 422 if context["error"] else 200


@bp.get("/")
@roles(*SUPERVISORS)
def index():
    context, status = _context()
    return render_template("numbers/index.html", periods=services.PERIODS, **context), status


@bp.get("/print")
@roles(*SUPERVISORS)
def summary():
    context, status = _context()
    return render_template("numbers/summary.html", printed_at=utcnow(), **context), status


@bp.get("/summary.pdf")
@roles(*SUPERVISORS)
def summary_pdf():
    context, status = _context()
    if status != 200:
        return render_template("numbers/summary.html", printed_at=utcnow(), **context), status
    rendered = render_pdf("numbers/summary.html", printed_at=utcnow(), **context)
    return pdf_response(rendered, f"district-numbers-{context['chosen'].first}.pdf")
