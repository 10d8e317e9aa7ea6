"""Commands: `flask --app app seed-demo` and `flask --app app users ...`."""

import os
import secrets
import sys

import click
from flask import Flask
from sqlalchemy import select

from cso_field.accounts.services import AccountError, create_account, disable_account
from cso_field.auth.mfa.services import (
    is_valid_secret,
    new_totp_secret,
    reset_second_factor,
    set_totp_secret,
)
from cso_field.auth.models import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, User
from cso_field.auth.services import unlock
from cso_field.demo import load_demo
from cso_field.extensions import db
from cso_field.mail_cli import mail
from cso_field.numbers.tally import numbers_cli
from cso_field.operations.commands import backup, restore
from cso_field.retention.commands import retention
from cso_field.roles import Role

DEMO_ACCOUNTS = (
    ("cso.demo", "Dana Reyes", Role.CSO),
    ("senior.demo", "Sam Nguyen", Role.SENIOR_CSO),
    ("admin.demo", "Alex Kaur", Role.ADMIN),
)


def _check_password(password: str) -> str:
    if not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
        raise click.BadParameter(
            f"use between {PASSWORD_MIN_LENGTH} and {PASSWORD_MAX_LENGTH} characters"
        )
    return password


def _find_user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username.lower()))
    if user is None:
        raise click.ClickException(f"no user named {username!r}")
    return user


@click.command("seed-demo")
@click.option("--accounts-only", is_flag=True, help="Create the three accounts, no demo records.")
def seed_demo(accounts_only):
    """Create the demo accounts and, unless --accounts-only, a small demo department."""
    if db.session.scalar(select(User.id).limit(1)) is not None:
        click.echo("The database already has accounts; demo data not loaded.")
        return
    password = os.environ.get("CSO_DEMO_PASSWORD")
    generated = not password
    if generated:
        password = secrets.token_urlsafe(12)
    _check_password(password)
    totp_secret = _demo_totp_secret()
    users = {
        username: create_account(username, name, role.value, password)
        for username, name, role in DEMO_ACCOUNTS
    }
    for user in users.values():
        set_totp_secret(user, totp_secret)
    db.session.commit()
    names = ", ".join(users)
    click.echo(f"Demo accounts created: {names}.")
    if not accounts_only:
        click.echo('Demo department loaded (example data, marked "(demo)"):')
        for line in load_demo(users):
            click.echo(f"  {line}")
    if generated:
        click.echo(f"Their password (shown once, set CSO_DEMO_PASSWORD to choose it): {password}")
    if not os.environ.get("CSO_DEMO_TOTP_SECRET"):
        click.echo(
            "Their authenticator key (shown once, set CSO_DEMO_TOTP_SECRET to choose it): "
            f"{totp_secret}"
        )
    click.echo(
        "To sign in: the user name, the password, then the 6-digit code that an "
        "authenticator app shows for that key (add it to the app as a time-based key)."
    )


def _demo_totp_secret() -> str:
    secret = os.environ.get("CSO_DEMO_TOTP_SECRET", "").strip().replace(" ", "").upper()
    if not secret:
        return new_totp_secret()
    if not is_valid_secret(secret):
        raise click.BadParameter(
            "CSO_DEMO_TOTP_SECRET must be base32 (letters A-Z and digits 2-7), "
            "at least 23 characters"
        )
    return secret


users = click.Group("users", help="Manage staff accounts.")


@users.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--name", "display_name", help="Full name; defaults to the user name.")
def create_user(username, role, display_name):
    """Create an account; the password is prompted for, or read from stdin when piped."""
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    _check_password(password)
    try:
        user = create_account(username, display_name or username, role, password)
    except AccountError:
        raise click.ClickException(f"user {username!r} already exists") from None
    db.session.commit()
    click.echo(f"Created {user.username} ({user.role}).")


@users.command("list")
def list_users():
    for user in db.session.scalars(select(User).order_by(User.username)):
        state = "disabled" if not user.is_active_account else "locked" if user.is_locked else "ok"
        click.echo(f"{user.username}\t{user.role}\t{state}\t{user.display_name}")


@users.command("unlock")
@click.argument("username")
def unlock_user(username):
    user = _find_user(username)
    unlock(user)
    db.session.commit()
    click.echo(f"Unlocked {user.username}.")


@users.command("reset-second-factor")
@click.argument("username")
def reset_user_second_factor(username):
    """Remove a user's second factor (the last admin's, say); they set up a new one at their
    next sign-in."""
    user = _find_user(username)
    reset_second_factor(user, actor=None)
    db.session.commit()
    click.echo(f"Reset {user.username}'s second factor; they set up a new one at next sign-in.")


@users.command("disable")
@click.argument("username")
def disable_user(username):
    user = _find_user(username)
    disable_account(user)
    db.session.commit()
    click.echo(f"Disabled {user.username}; their sessions have ended.")


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(users)
    app.cli.add_command(mail)
    app.cli.add_command(backup)
    app.cli.add_command(restore)
    app.cli.add_command(retention)
    app.cli.add_command(numbers_cli)
