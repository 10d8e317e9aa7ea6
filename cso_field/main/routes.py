from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from cso_field.access import public, staff
from cso_field.auth.forms import LanguageForm
from cso_field.main.services import today_summary

bp = Blueprint("main", __name__)


@bp.get("/")
@public
def index():
    return redirect(url_for("main.today" if current_user.is_authenticated else "auth.login"))


@bp.get("/today")
@staff
def today():
    return render_template("main/today.html", summary=today_summary(current_user))


@bp.get("/menu")
@staff
def menu():
    language_form = LanguageForm(locale=current_user.locale or "en")
    return render_template("main/menu.html", language_form=language_form)
