"""What field notes forget, and when (cso_field/retention)."""

from flask_babel import lazy_gettext as _l

from cso_field.field_notes.models import FieldNote
from cso_field.retention.registry import RetentionRule, register_rule


def register_retention() -> None:
    register_rule(
        RetentionRule(
            name="field_note.photos",
            record_type="field_note",
            model=FieldNote,
            label=_l("Field notes: photos"),
            default_days=730,
            reason=_l(
                "Counted from the note. Photos show people, faces and number plates; two "
                "years is the least a city keeps its records (California Government Code "
                "34090). The note itself stays."
            ),
            due=lambda cutoff: FieldNote.created_at < cutoff,
            photos=True,
        )
    )
