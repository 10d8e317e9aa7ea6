"""Named locks held until the end of the current transaction, on SQLite and PostgreSQL.

A limit ("at most 5 requests an hour from one address", "at most 5 emails a day to one
address") is only exact if counting and deciding happen one request at a time. `hold(name)`
makes every transaction that holds the same name wait for the one before it to commit or roll
back, so the count it reads next includes everything the earlier one wrote:

- PostgreSQL: the UPDATE takes the row lock of `name`, kept until commit or rollback; a
  second UPDATE of that row waits for it (other names are not held up). Under READ COMMITTED
  each later statement reads a fresh snapshot, so the count sees the earlier commit.
- SQLite: the transaction takes the database's one write lock (`database.begin_write()`,
  waiting its turn); every later read in it sees the latest data. No row is written: the
  lock already holds every other writer off.

Call it before the transaction's reads that the decision depends on. On PostgreSQL one small row
is kept per name (e.g. per client address), with the time it was last held.
"""

from datetime import datetime

from sqlalchemy import String, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from cso_field.database import begin_write
from cso_field.extensions import db
from cso_field.timeutil import utcnow

NAME_MAX = 200


class NamedLock(db.Model):
    __tablename__ = "named_lock"

    name: Mapped[str] = mapped_column(String(NAME_MAX), primary_key=True)
    held_at: Mapped[datetime] = mapped_column(default=utcnow)


def hold(name: str) -> None:
    """Wait until no other transaction holds `name`, then hold it until this one ends."""
    if db.session.get_bind().dialect.name == "sqlite":
        begin_write()
        return
    name = name[:NAME_MAX]
    db.session.execute(
        postgresql.insert(NamedLock).values(name=name, held_at=utcnow()).on_conflict_do_nothing()
    )
    db.session.execute(
        update(NamedLock)
        .where(NamedLock.name == name)
        .values(held_at=utcnow())
        .execution_options(synchronize_session=False)
    )
