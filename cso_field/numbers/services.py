"""District numbers: the period asked for, and the figures of a district over it."""

from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select

from cso_field.extensions import db
from cso_field.numbers.models import ALL_DISTRICTS, DAY, MONTH, DayCount
from cso_field.records.registry import DISTRICT_FIGURES, OVERDUE_WORK, Figure

PERIODS = ("week", "month", "quarter", "year", "custom")
LONGEST_CUSTOM_DAYS = 366 * 5  # five years: what the department keeps at hand


class PeriodError(ValueError):
    """A custom period that is not one: `code` picks the message."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Period:
    kind: str
    first: date
    last: date


def period(kind: str, anchor: date, first: date | None = None, last: date | None = None):
    """The week (Monday first), month, quarter or year holding `anchor`, or first..last."""
    if kind == "week":
        start = anchor - timedelta(days=anchor.weekday())
        return Period(kind, start, start + timedelta(days=6))
    if kind == "month":
        return Period(kind, anchor.replace(day=1), _month_end(anchor))
    if kind == "quarter":
        start = anchor.replace(month=3 * ((anchor.month - 1) // 3) + 1, day=1)
        return Period(kind, start, _month_end(start.replace(month=start.month + 2)))
    if kind == "year":
        return Period(kind, anchor.replace(month=1, day=1), anchor.replace(month=12, day=31))
    if first is None or last is None:
        raise PeriodError("custom_dates")
    if last < first:
        raise PeriodError("custom_order")
    if (last - first).days > LONGEST_CUSTOM_DAYS:
        raise PeriodError("custom_length")
    return Period("custom", first, last)


def _month_end(day: date) -> date:
    return day.replace(day=monthrange(day.year, day.month)[1])


def _month_span(first: date, last: date) -> tuple[date, date] | None:
    """The first days of the whole months inside first..last, or None when there are none."""
    start = first if first.day == 1 else _month_end(first) + timedelta(days=1)
    end = (
        last.replace(day=1) if last == _month_end(last) else last.replace(day=1) - timedelta(days=1)
    )
    end = end.replace(day=1)
    return (start, end) if start <= end else None


def _kept(district_key: int, first: date, last: date) -> dict:
    """{(figure, outcome): (count, amount)} of the kept counts: whole months from the month
    rows, the days around them from the day rows (two index range reads)."""
    months = _month_span(first, last)
    if months is None:
        ranges = [(DAY, first, last)]
    else:
        ranges = [(MONTH, *months)]
        if first < months[0]:
            ranges.append((DAY, first, months[0] - timedelta(days=1)))
        if last > _month_end(months[1]):
            ranges.append((DAY, _month_end(months[1]) + timedelta(days=1), last))
    query = (
        select(
            DayCount.figure,
            DayCount.outcome,
            func.sum(DayCount.count),
            func.sum(DayCount.amount_cents),
        )
        .where(
            or_(
                *(
                    and_(
                        DayCount.grain == grain,
                        DayCount.district_key == district_key,
                        DayCount.day.between(start, end),
                    )
                    for grain, start, end in ranges
                )
            )
        )
        .group_by(DayCount.figure, DayCount.outcome)
    )
    return {
        (figure, outcome): (count or 0, amount or 0)
        for figure, outcome, count, amount in db.session.execute(query)
    }


@dataclass
class FigureRow:
    """One figure over the period: its total, and per outcome (in the figure's order)."""

    figure: Figure
    count: int = 0
    amount_cents: int = 0
    outcomes: list[tuple[object, int]] = field(default_factory=list)


def figures(district_id: int | None, chosen: Period) -> list[FigureRow]:
    """Every registered figure of the district (None: all districts) over the period."""
    totals = _kept(ALL_DISTRICTS if district_id is None else district_id, chosen.first, chosen.last)
    rows = []
    for source in sorted(DISTRICT_FIGURES.values(), key=lambda source: (source.order, source.name)):
        if source.totals is not None:
            totals.update(source.totals(district_id, chosen.first, chosen.last))
        rows += [_row(figure, totals) for figure in source.figures]
    return rows


def _row(figure: Figure, totals: dict) -> FigureRow:
    found = {outcome: value for (key, outcome), value in totals.items() if key == figure.key}
    row = FigureRow(figure)
    row.count = sum(count for count, _amount in found.values())
    row.amount_cents = sum(amount for _count, amount in found.values())
    row.outcomes = [
        (label, found.get(value, (0, 0))[0]) for value, label in figure.outcomes.items()
    ]
    return row


def overdue_work(rows: list[FigureRow]) -> FigureRow | None:
    """The overdue-work figure, once a package registers it (registry.OVERDUE_WORK)."""
    return next((row for row in rows if row.figure.key == OVERDUE_WORK), None)
