"""Counts kept per district, day and month, so a year of figures reads a few hundred rows."""

from datetime import date

from sqlalchemy import BigInteger, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from cso_field.extensions import db

DAY, MONTH = "d", "m"  # grains: a day's count, and its month's (keyed by the first day)
ALL_DISTRICTS = -1  # the department's total, kept beside each district's
NO_DISTRICT = 0  # records outside every district


class DayCount(db.Model):
    """How many records counted for `figure` with `outcome` in a district on a day or in a
    month, and the money they carry (fines). Written only by numbers.tally."""

    __tablename__ = "district_day_count"

    grain: Mapped[str] = mapped_column(String(1), primary_key=True)
    district_key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    figure: Mapped[str] = mapped_column(String(40), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(40), primary_key=True, default="")
    count: Mapped[int] = mapped_column(default=0)
    amount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
