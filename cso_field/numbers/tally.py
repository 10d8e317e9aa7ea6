"""Keeping District numbers' counts in step with the records, whoever writes them.

A flush listener looks at every new, changed or deleted record of a model that registered
DistrictFigures with a `tally`: it takes away what the record counted for before the change
and adds what it counts for now, in the same transaction as the record. Its `columns` get
active history, so the value before a change is known even when it was not loaded.
`rebuild()` recounts everything (after bulk loads, or to check the kept counts).
"""

from collections import defaultdict
from types import SimpleNamespace

import click
from sqlalchemy import delete, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import attributes, load_only

from cso_field.districts.services import AFTER_REPLACE
from cso_field.extensions import db
from cso_field.numbers.models import ALL_DISTRICTS, DAY, MONTH, NO_DISTRICT, DayCount
from cso_field.records.registry import DISTRICT_FIGURES, DistrictFigures, Tally

REBUILD_BATCH = 5000


def _sources_by_model() -> dict[type, DistrictFigures]:
    return {source.model: source for source in DISTRICT_FIGURES.values() if source.tally}


def _keys(tally: Tally):
    district = tally.district_id if tally.district_id is not None else NO_DISTRICT
    month = tally.day.replace(day=1)
    for grain, day in ((DAY, tally.day), (MONTH, month)):
        for key in (district, ALL_DISTRICTS):
            yield (grain, key, day, tally.figure, tally.outcome or "")


def _add(deltas: dict, tallies: list[Tally], sign: int) -> None:
    for tally in tallies:
        for key in _keys(tally):
            count, amount = deltas[key]
            deltas[key] = (count + sign, amount + sign * tally.amount_cents)


def _before(record, columns: tuple[str, ...]) -> SimpleNamespace:
    """The record's watched columns as they were before this flush."""
    values = {}
    for name in columns:
        history = attributes.get_history(record, name)
        values[name] = history.deleted[0] if history.deleted else getattr(record, name)
    return SimpleNamespace(**values)


def _changed(record, columns: tuple[str, ...]) -> bool:
    return any(attributes.get_history(record, name).has_changes() for name in columns)


def collect(session) -> dict:
    """{count key: (count change, amount change)} of this flush."""
    sources = _sources_by_model()
    deltas: dict = defaultdict(lambda: (0, 0))
    if not sources:
        return deltas
    for record in session.new:
        if (source := sources.get(type(record))) is not None:
            _add(deltas, source.tally(record), +1)
    for record in session.dirty:
        source = sources.get(type(record))
        if source is not None and _changed(record, source.columns):
            _add(deltas, source.tally(_before(record, source.columns)), -1)
            _add(deltas, source.tally(record), +1)
    for record in session.deleted:
        if (source := sources.get(type(record))) is not None:
            _add(deltas, source.tally(_before(record, source.columns)), -1)
    return deltas


def _upsert(dialect_name: str, values: dict):
    insert = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    statement = insert(DayCount).values(**values)
    return statement.on_conflict_do_update(
        index_elements=["grain", "district_key", "day", "figure", "outcome"],
        set_={
            "count": DayCount.count + statement.excluded.count,
            "amount_cents": DayCount.amount_cents + statement.excluded.amount_cents,
        },
    )


def apply(connection, deltas: dict) -> None:
    for (grain, district_key, day, figure, outcome), (count, amount) in sorted(deltas.items()):
        if count or amount:
            values = dict(
                grain=grain,
                district_key=district_key,
                day=day,
                figure=figure,
                outcome=outcome,
                count=count,
                amount_cents=amount,
            )
            connection.execute(_upsert(connection.dialect.name, values))


def _after_flush(session, _context) -> None:
    deltas = collect(session)
    if deltas:
        apply(session.connection(), deltas)


def _keep_history(_target, value, _old, _initiator):
    return value


def init_app(_app) -> None:
    """Listen to every flush, and keep the old value of each watched column on change."""
    if not event.contains(db.session, "after_flush", _after_flush):
        event.listen(db.session, "after_flush", _after_flush)
    # New district boundaries move records by bulk updates the listener does not see.
    if _recount_in_transaction not in AFTER_REPLACE:
        AFTER_REPLACE.append(_recount_in_transaction)
    for source in DISTRICT_FIGURES.values():
        for name in source.columns if source.tally else ():
            column = getattr(source.model, name)
            if not event.contains(column, "set", _keep_history):
                event.listen(column, "set", _keep_history, active_history=True, retval=True)


def rebuild(session=None, commit: bool = True) -> int:
    """Recount every kept figure from the records; returns how many records were read.
    `session`: the app's by default; a migration passes one bound to its own connection.
    `commit=False` leaves the recount in the caller's transaction."""
    session = session if session is not None else db.session
    session.execute(delete(DayCount))
    read = 0
    for source in _sources_by_model().values():
        deltas: dict = defaultdict(lambda: (0, 0))
        # Only the columns the tally reads: cheaper, and a migration that recounts reads no
        # column a later migration adds to the model.
        wanted = load_only(*(getattr(source.model, name) for name in source.columns))
        query = select(source.model).options(wanted).execution_options(yield_per=REBUILD_BATCH)
        for record in session.scalars(query):
            _add(deltas, source.tally(record), +1)
            read += 1
        apply(session.connection(), deltas)
    if commit:
        session.commit()
    return read


def _recount_in_transaction() -> None:
    rebuild(commit=False)


@click.group("numbers", help="District numbers' kept counts.")
def numbers_cli():
    pass


@numbers_cli.command("rebuild", help="Recount District numbers from the records.")
def rebuild_command():
    read = rebuild()
    click.echo(f"District numbers recounted from {read} records.")
