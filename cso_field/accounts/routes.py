from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cso_field import audit, htmx
from cso_field.accounts.forms import EditAccountForm, NewAccountForm
from cso_field.accounts.services import AccountError, create_account, list_accounts, update_account
from cso_field.auth.mfa.services import reset_second_factor
from cso_field.auth.mfa.step_up import step_up_refusal, step_up_required
from cso_field.auth.models import User
from cso_field.auth.services import unlock
from cso_field.extensions import db
from cso_field.htmx import render
from cso_field.roles import Role, roles

ACCOUNT_ERRORS = {
    "exists": lambda: _("That user name is taken. Choose another."),
    "self": lambda: _("You cannot change your own role or disable your own account."),
    "own second factor": lambda: _(
        "You cannot reset your own second factor. Ask another Senior CSO or an administrator."
    ),
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
        if form.role.data != user.role and user.id != current_user.id:
            # Changing someone's role asks for the admin's second factor at that moment.
            refusal = step_up_refusal(url_for("accounts.edit", user_id=user.id))
            if refusal is not None:
                return refusal
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


@bp.post("/<id:user_id>/second-factor/reset")
@roles(Role.SENIOR_CSO, Role.ADMIN)
@step_up_required
def reset_factor(user_id: int):
    """Remove a user's second factor; they set up a new one at their next sign-in."""
    user = _get_user_or_404(user_id)
    try:
        reset_second_factor(user, actor=current_user)
    except PermissionError as error:
        audit.record(
            "second_factor.reset",
            outcome=audit.DENIED,
            object_type="user",
            object_id=user.id,
            detail=str(error),
        )
        db.session.commit()
        flash(ACCOUNT_ERRORS[str(error)](), "error")
        return redirect(url_for("accounts.index"), 303)
    db.session.commit()
    flash(
        _(
            "%(name)s's second factor was reset. They set up a new one at their next sign-in.",
            name=user.display_name,
        ),
        "success",
    )
    return redirect(url_for("accounts.index"), 303)
