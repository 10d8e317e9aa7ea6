"""What each record type forgets, and when: its `RetentionRule`s.

A record type registers a rule per kind of personal data it keeps (its services module calls
`register_rule`). A rule names the record model, the fields that hold personal data, whether
the record's photos go too, a default period with its reason, and `due(cutoff)`: the SQL
condition for records whose period had begun by `cutoff` (e.g. a check that ended before it).

Personal data a record keeps outside its own row (a party shared by several cases, issued
documents in storage) is a `RelatedData` of its rule; `held` replaces the usual hold (one on
the record itself) where a record has no reference of its own (a group's member is held
through the sign-up that made it one).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement

from cso_field.settings import register_defaults


@dataclass(frozen=True)
class RelatedData:
    """Personal data of a record kept elsewhere. `pending(cutoff)`: the SQL condition (on the
    rule's model) that some is left and may go now; `forget(record, dry_run)` removes it
    (files first, then rows; in a dry run nothing) and returns what went, e.g.
    ["notice CN-2026-000012-1: PDF, 2 photo copies"]."""

    name: str
    pending: Callable[[datetime], ColumnElement[bool]]
    forget: Callable[[object, bool], list[str]]


@dataclass(frozen=True)
class RetentionRule:
    name: str  # e.g. "special_check.contact"; its period is the setting "retention.<name>"
    record_type: str  # as stored on photos, holds and audit rows, e.g. "special_check"
    model: type  # a Tracked model (with `id` and `reference`)
    label: object  # lazy translated: what goes, e.g. "Special checks: requester's contact details"
    default_days: int
    reason: object  # lazy translated: why the default is what it is
    due: Callable[[datetime], ColumnElement[bool]]
    personal_fields: tuple[str, ...] = ()
    photos: bool = False  # the record's photos are deleted from storage too
    min_days: int = 30  # the shortest period an admin may set
    related: tuple[RelatedData, ...] = ()
    history_fields: tuple[str, ...] = ()  # more names blanked in the record's version history
    held: Callable[[], ColumnElement[bool]] | None = None  # instead of a hold on the record

    @property
    def setting_key(self) -> str:
        return f"retention.{self.name}"


RULES: dict[str, RetentionRule] = {}


def register_rule(rule: RetentionRule) -> RetentionRule:
    RULES[rule.name] = rule
    register_defaults({rule.setting_key: rule.default_days})
    return rule


def rules() -> list[RetentionRule]:
    return sorted(RULES.values(), key=lambda rule: rule.name)


def rules_for(record_type: str) -> list[RetentionRule]:
    return [rule for rule in rules() if rule.record_type == record_type]
