"""Neighborhood Watch: groups (an area, a language, members, one block captain), residents'
sign-ups (online or at a canvassed door) waiting to join a group, and the groups' meetings."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, and_
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from cso_field.extensions import db
from cso_field.records.models import Located, Reviewed, Tracked, record_indexes
from cso_field.timeutil import utcnow


class SignupSource(StrEnum):
    ONLINE = "online"  # the public sign-up page
    CANVASS = "canvass"  # the interest section of a canvassed door's questionnaire


class WatchGroup(db.Model):
    __tablename__ = "watch_group"
    __table_args__ = (Index("ix_watch_group_name", "archived_at", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    area: Mapped[str] = mapped_column(String(300))  # the streets or blocks it covers
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)
    language: Mapped[str] = mapped_column(String(5), default="en")  # its meetings' language
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    archived_at: Mapped[datetime | None]

    # The current members: those who left (left_at) stay as rows, for the counts.
    members: Mapped[list["WatchMember"]] = relationship(
        primaryjoin=lambda: and_(
            WatchGroup.id == WatchMember.group_id, WatchMember.left_at.is_(None)
        ),
        viewonly=True,
        order_by=lambda: [WatchMember.is_captain.desc(), WatchMember.name],
    )


class WatchMember(db.Model):
    """A resident in a group; at most one member of a group is its block captain. A member
    who leaves keeps the row (left_at) until retention empties its personal fields."""

    __tablename__ = "watch_member"
    __table_args__ = (Index("ix_watch_member_group", "group_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("watch_group.id"))
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(5), default="en")
    address: Mapped[str | None] = mapped_column(String(300))
    willing_host: Mapped[bool] = mapped_column(Boolean, default=False)
    is_captain: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    left_at: Mapped[datetime | None]  # removed from the group; retention forgets it later

    group: Mapped[WatchGroup] = relationship()


class WatchSignup(Tracked, Located, db.Model):
    """A resident's wish to join Neighborhood Watch, made once per client UUID: on the public
    page (no author) or at a door by the canvassing officer. A Senior CSO adds it to a group
    (member_id) or sets it aside (dismissed_at)."""

    __tablename__ = "watch_signup"
    record_type = "watch_signup"
    reference_prefix = "NW"
    author_required = False

    @declared_attr.directive
    def __table_args__(cls):
        return record_indexes(
            cls,
            Index("ix_watch_signup_waiting", "member_id", "dismissed_at", "created_at"),
            Index("ix_watch_signup_client", "client_address", "created_at"),
            Index("ix_watch_signup_source", "source_record_type", "source_record_id"),
        )

    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(5), default="en")
    willing_host: Mapped[bool] = mapped_column(Boolean, default=False)
    willing_captain: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(20))  # a SignupSource
    # The record it came from, when another record type made it (a canvassed door): the
    # record type's registered name, its id and reference, so that this package needs to
    # know nothing of that type (records.registry finds and links the record).
    source_record_type: Mapped[str | None] = mapped_column(String(40))
    source_record_id: Mapped[int | None] = mapped_column(Integer)
    source_reference: Mapped[str | None] = mapped_column(String(20))
    client_address: Mapped[str | None] = mapped_column(String(64))  # online: the rate limit
    member_id: Mapped[int | None] = mapped_column(ForeignKey("watch_member.id"))
    dismissed_at: Mapped[datetime | None]
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    member: Mapped[WatchMember | None] = relationship()


class WatchMeeting(Tracked, Reviewed, db.Model):
    """A group's meeting, recorded once per client UUID by the officer who held it, and
    reviewed by a Senior CSO (submitted as recorded)."""

    __tablename__ = "watch_meeting"
    record_type = "watch_meeting"
    reference_prefix = "NM"

    @declared_attr.directive
    def __table_args__(cls):
        return record_indexes(cls, Index("ix_watch_meeting_group", "group_id", "held_on"))

    group_id: Mapped[int] = mapped_column(ForeignKey("watch_group.id"))
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(300))
    topics: Mapped[str] = mapped_column(Text)
    attendance: Mapped[int] = mapped_column(Integer)  # people present
    materials: Mapped[str | None] = mapped_column(Text)  # handed out
    follow_ups: Mapped[str | None] = mapped_column(Text)

    group: Mapped[WatchGroup] = relationship()
