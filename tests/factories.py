"""Test data builders: real rows through the app's own services, no mocks."""

import itertools

from cso_field.accounts.services import create_account
from cso_field.auth.models import Role, User
from cso_field.extensions import db

PASSWORD = "correct horse battery staple"


class UserFactory:
    def __init__(self, app):
        self.app = app
        self.sequence = itertools.count(1)

    def create(
        self,
        role: Role | str = Role.CSO,
        username: str | None = None,
        password: str = PASSWORD,
        **fields,
    ) -> User:
        role = Role(role)
        username = username or f"{role.value.replace('_', '.')}{next(self.sequence)}"
        user = create_account(
            username, fields.pop("display_name", username.title()), role.value, password
        )
        for name, value in fields.items():
            setattr(user, name, value)
        db.session.commit()
        return user

    def cso(self, **fields) -> User:
        return self.create(Role.CSO, **fields)

    def senior(self, **fields) -> User:
        return self.create(Role.SENIOR_CSO, **fields)

    def admin(self, **fields) -> User:
        return self.create(Role.ADMIN, **fields)
