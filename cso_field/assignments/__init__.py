"""Assignments: work a Senior CSO gives a CSO, or whoever is on shift in a district.

Screens and who uses them:
- /assignments/            the list: a Senior CSO's team (open, overdue, not accepted,
                           completed), an officer's own and their district's on-shift work
- /assignments/new         giving work (Senior CSO, admin): kind (any registered record type,
                           or a free task such as a translation), what, where, priority, due
                           (department time), to a person or to a district's shift
- /assignments/<id>        one assignment: Accept, then Complete with the record it produced
                           (the officer's recent records of that kind, via the registry) or
                           the outcome; Reassign (Senior CSO, admin)
- Today                    a card: the officer's open work; a Senior CSO's overdue and
                           not-accepted counts (services._today_card, one query)

Files: models.py (Assignment), forms.py, services.py (states, rules, lists, registration),
routes.py; templates/assignments/. Shifts are in cso_field/districts/shifts.py.
"""
