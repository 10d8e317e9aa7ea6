"""Account rules, shared by the admin pages and the `flask users` commands."""

from sqlalchemy import case, select

from cso_field import audit
from cso_field.auth.models import User
from cso_field.auth.services import end_all_sessions
from cso_field.database import begin_write
from cso_field.extensions import db
from cso_field.roles import Role
from cso_field.timeutil import utcnow


class AccountError(ValueError):
    """A change the rules refuse; the message is shown to the admin."""


def create_account(username: str, display_name: str, role: str, password: str) -> User:
    username = username.strip().lower()
    begin_write()  # the name is checked and taken in one step
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError("exists")
    user = User(username=username, display_name=display_name, role=Role(role).value)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record("account.create", object_type="user", object_id=user.id, detail=role)
    return user


def update_account(
    user: User,
    *,
    acting_user: User | None,
    display_name: str,
    role: str,
    is_active_account: bool,
    new_password: str | None,
) -> list[str]:
    """Apply an admin's changes; returns the names of the fields that changed."""
    changes_own_access = role != user.role or not is_active_account
    if acting_user is not None and acting_user.id == user.id and changes_own_access:
        raise AccountError("self")
    changed = [
        name
        for name, value in (
            ("display_name", display_name),
            ("role", role),
            ("is_active_account", is_active_account),
        )
        if getattr(user, name) != value
    ]
    user.display_name, user.role, user.is_active_account = display_name, role, is_active_account
    if new_password:
        user.set_password(new_password)
        changed.append("password")
    if "password" in changed or not is_active_account:
        end_all_sessions(user, "account change")
    if changed:
        audit.record(
            "account.update", object_type="user", object_id=user.id, detail=", ".join(changed)
        )
    return changed


def disable_account(user: User) -> None:
    user.is_active_account = False
    end_all_sessions(user, "account disabled")
    audit.record(
        "account.update", object_type="user", object_id=user.id, detail="is_active_account"
    )


ACCOUNTS_PAGE = 50  # rows a page; "Load more" fetches the next


def list_accounts(page: int = 1) -> tuple[list[User], bool]:
    """(one page of the accounts, locked ones first, then by user name; whether more follow)."""
    locked_first = case((User.locked_until > utcnow(), 0), else_=1)
    query = select(User).order_by(locked_first, User.username, User.id)
    users = list(
        db.session.scalars(query.offset((page - 1) * ACCOUNTS_PAGE).limit(ACCOUNTS_PAGE + 1))
    )
    return users[:ACCOUNTS_PAGE], len(users) > ACCOUNTS_PAGE
