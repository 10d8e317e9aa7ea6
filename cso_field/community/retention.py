"""What community programs forget, and when (cso_field/retention)."""

from flask_babel import lazy_gettext as _l

from cso_field.community.models import FingerprintAppointment, MessageDelivery
from cso_field.retention.registry import RetentionRule, register_rule


def register_retention() -> None:
    register_rule(
        RetentionRule(
            name="fingerprint_appointment.contact",
            record_type="fingerprint_appointment",
            model=FingerprintAppointment,
            label=_l("Fingerprinting appointments: the resident's name and contact details"),
            default_days=90,
            reason=_l(
                "Counted from the booking. Three months cover a question about the "
                "appointment; the slot, its outcome and the print counts stay for the numbers."
            ),
            due=lambda cutoff: FingerprintAppointment.created_at < cutoff,
            personal_fields=("name", "phone", "email", "client_address", "manage_token_hash"),
        )
    )
    register_rule(
        RetentionRule(
            name="message_delivery.recipient",
            record_type="message_delivery",
            model=MessageDelivery,
            label=_l("Delivered messages: the recipient and the message"),
            default_days=730,
            reason=_l(
                "Counted from the day the message was due. Two years, the least a city keeps "
                "its records (California Government Code 34090); the attempts stay."
            ),
            due=lambda cutoff: MessageDelivery.due_at < cutoff,
            personal_fields=("recipient", "message"),
        )
    )
