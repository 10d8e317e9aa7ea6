from flask import Blueprint, make_response, redirect, render_template, url_for
from flask_login import current_user

from cso_field.auth.forms import LanguageForm
from cso_field.auth.mfa.services import grace_until
from cso_field.i18n import RESIDENT_LANGUAGES, resident_language, visitor_language
from cso_field.main.services import resident_entries, today_summary
from cso_field.records import services as records
from cso_field.records.registry import NEW_ENTRIES
from cso_field.roles import Role, public, staff

bp = Blueprint("main", __name__)

REVIEW_ROLES = frozenset({Role.SENIOR_CSO})  # those who approve and return records


@bp.get("/")
@public
def index():
    """Staff go to Today; a resident gets the front door in their phone's language."""
    if current_user.is_authenticated:
        return redirect(url_for("main.today"))
    code = visitor_language()
    with resident_language(code) as language:
        response = make_response(
            render_template(
                "main/welcome.html",
                language=language,
                languages=RESIDENT_LANGUAGES.values(),
                entries=resident_entries(),
            )
        )
    response.vary.add("Accept-Language")
    return response


@bp.get("/today")
@staff
def today():
    return render_template(
        "main/today.html",
        summary=today_summary(current_user),
        returned=records.returned_to(current_user),
        recorded_today=records.created_today_by(current_user),
        waiting_review=records.review_count() if current_user.role in REVIEW_ROLES else None,
        shown=records.TODAY_SHOWN,
        second_factor_due=grace_until(current_user),
    )


@bp.get("/menu")
@staff
def menu():
    language_form = LanguageForm(locale=current_user.locale or "en")
    return render_template("main/menu.html", language_form=language_form)


@bp.get("/new")
@staff
def new_record():
    """The New screen: every kind of record an officer can start."""
    return render_template("main/new.html", entries=NEW_ENTRIES.values())
