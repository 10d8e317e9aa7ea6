from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cso_field import htmx
from cso_field.accounts.forms import EditAccountForm, NewAccountForm
from cso_field.accounts.services import AccountError, create_account, list_accounts, update_account
from cso_field.auth.models import User
from cso_field.auth.services import unlock
from cso_field.extensions import db
from cso_field.htmx import render
from cso_field.roles import Role, roles

ACCOUNT_ERRORS = {
    "exists": lambda: _("That user name is taken. Choose another."),
    "self": lambda: _("You cannot change your own role or disable your own account."),
}

bp = Blueprint("accounts", __name__, url_prefix="/accounts")


def _get_user_or_404(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.get("/")
@roles(Role.SENIOR_CSO, Role.ADMIN)
def index():
    page = htmx.page_arg()
    users, has_more = list_accounts(page)
    context = {"users": users, "has_more": has_more, "page": page}
    if page > 1:  # "Load more": the next rows only
        return render("accounts/index.html", "accounts/_rows.html", **context)
    return render_template("accounts/index.html", **context)


@bp.post("/<id:user_id>/unlock")
@roles(Role.SENIOR_CSO, Role.ADMIN)
def unlock_account(user_id: int):
    user = _get_user_or_404(user_id)
    if user.is_locked:
        unlock(user)
        db.session.commit()
        flash(_("%(name)s can log in again.", name=user.display_name), "success")
    users, has_more = list_accounts()
    return render(
        "accounts/index.html",
        "accounts/_row.html",
        user=user,
        users=users,
        has_more=has_more,
        page=1,
    )


@bp.route("/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def new():
    form = NewAccountForm()
    if request.method == "GET":
        return render_template("accounts/new.html", form=form)
    if form.validate():
        try:
            user = create_account(
                form.username.data, form.display_name.data, form.role.data, form.password.data
            )
        except AccountError as error:
            form.username.errors.append(ACCOUNT_ERRORS[str(error)]())
        else:
            db.session.commit()
            flash(_("Account %(username)s created.", username=user.username), "success")
            return redirect(url_for("accounts.index"), 303)
    return render_template("accounts/new.html", form=form), 422


@bp.route("/<id:user_id>/edit", methods=["GET", "POST"])
@roles(Role.ADMIN)
def edit(user_id: int):
    user = _get_user_or_404(user_id)
    form = EditAccountForm(obj=user)
    if request.method == "GET":
        return render_template("accounts/edit.html", form=form, user=user)
    if form.validate():
        try:
            update_account(
                user,
                acting_user=current_user,
                display_name=form.display_name.data,
                role=form.role.data,
                is_active_account=form.is_active_account.data,
                new_password=form.new_password.data or None,
            )
        except AccountError as error:
            form.role.errors.append(ACCOUNT_ERRORS[str(error)]())
        else:
            db.session.commit()
            flash(_("Changes to %(username)s saved.", username=user.username), "success")
            return redirect(url_for("accounts.index"), 303)
    return render_template("accounts/edit.html", form=form, user=user), 422
