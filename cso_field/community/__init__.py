"""Community programs (K-1 III.I, L; K-2 III.B): fingerprinting appointments residents book
in their language, the staff calendar, and messages CSOs deliver for the department.

Residents, no account (blueprint `community_public` in public.py,
templates/community/public/), with the special-check request's language handling, honeypot
and hourly limit per address:
- /fingerprinting/?lang=xx           book a slot the department opened   form.html, receipt.html
- /fingerprinting/manage/<token>     the private link: cancel, or move to another slot
                                                                          manage.html
Staff (blueprint `community` in routes.py, templates/community/):
- /community/?day=&view=day|week     the calendar: slots with their bookings, messages due
                                                                          calendar.html
- /community/slots/new               Senior CSOs open slots with a capacity   new_slots.html
- /community/appointments/<id>       one booking: outcome (prints taken: count and kind, or
                                     no-show), assignment to a CSO        appointment.html
- /community/messages/               messages to deliver, newest due first   messages.html
- /community/messages/new            a message to deliver; death notifications are refused
                                     (policy: a sworn officer makes them)  new_message.html
- /community/messages/<id>           its attempts and outcome; assignment  message.html
Today shows a card (_today_card.html); the front door offers the booking.

Files: models.py (FingerprintSlot, FingerprintAppointment, MessageDelivery, DeliveryAttempt);
services.py (capacity, booking, the private link, cancel and move, reminders, outcomes,
assigning through cso_field/assignments, the calendar, the death-notification policy,
registration); notices.py (the resident's emails, templates/community/emails/); forms.py;
routes.py; public.py; commands.py (`flask community queue-reminders`, hourly); retention.py;
demo.py. Tests: tests/community/, browser test tests/e2e/test_community.py.
"""
