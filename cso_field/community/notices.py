"""What residents are sent about their fingerprinting appointment, in their language: the
confirmation with the private link, the new time after a move, and the reminder the day
before. Queued in the caller's transaction (templates/community/emails/)."""

from cso_field.community.models import FingerprintAppointment, FingerprintSlot
from cso_field.i18n import date_filter, time_filter
from cso_field.mail import queue_template

EMAILS = "community/emails/"


def slot_label(slot: FingerprintSlot) -> str:
    """A slot as a resident reads it, in the language of the moment: the full date and the
    time without seconds, in the department's time zone (Hmong per the glossary)."""
    return f"{date_filter(slot.starts_at, 'full')}, {time_filter(slot.starts_at, 'short')}"


def queue_confirmation(appointment: FingerprintAppointment, manage_url: str) -> None:
    if appointment.email:
        queue_template(
            EMAILS + "confirmation.txt",
            language=appointment.language,
            recipient=appointment.email,
            dedupe_key=f"fingerprint-confirmation:{appointment.id}",
            appointment=appointment,
            manage_url=manage_url,
        )


def queue_moved(appointment: FingerprintAppointment) -> None:
    if appointment.email:
        queue_template(
            EMAILS + "moved.txt",
            language=appointment.language,
            recipient=appointment.email,
            dedupe_key=f"fingerprint-moved:{appointment.id}:{appointment.slot_id}",
            appointment=appointment,
        )


def queue_reminder(appointment: FingerprintAppointment) -> None:
    queue_template(
        EMAILS + "reminder.txt",
        language=appointment.language,
        recipient=appointment.email,
        dedupe_key=f"fingerprint-reminder:{appointment.id}:{appointment.slot_id}",
        appointment=appointment,
    )
