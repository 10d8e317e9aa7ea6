"""Neighborhood Betterment Committees (K-2 III.C): committees that identify a neighborhood's
improvement goals and carry out action plans against drug, gang and other problems.

Screens (staff, blueprint `betterment` in routes.py, templates/betterment/):
- /betterment/                    every officer: the committees         index.html, _rows.html
- /betterment/new                 Senior CSOs, admins: a new committee (name, area, district,
                                  the members' languages)                new.html
- /betterment/<id>                every officer: the progress page: goals, each with its
                                  action plan (owner, partners, due date, status), how much is
                                  done and what is overdue; Senior CSOs and admins add goals
                                  and actions and move an action's status   committee.html
- /betterment/<id>/goals          Senior CSOs, admins: add a goal (POST)
- /betterment/<id>/actions        Senior CSOs, admins: add an action to a goal (POST)
- /betterment/<id>/meetings       Senior CSOs, admins: record a meeting held (agenda, people
                                  present, minutes; shown on the progress page) (POST)
- /betterment/actions/<id>/status Senior CSOs, admins: an action's status (POST)
- /betterment/overdue             Senior CSOs, admins: unfinished actions past their due date
                                                                        overdue.html
Today: a Senior CSO sees the count of overdue actions (_today_card.html).

Not built yet (issue 18): members and officers (attendance is a count), the area on the
map, recruitment through the surveys canvass, the printable status in the members'
languages, and clean-ups.

Files: models.py (Committee, CommitteeGoal, CommitteeAction, CommitteeMeeting); forms.py;
services.py; routes.py; demo.py. Tests: tests/betterment/, tests/e2e/test_betterment.py.
"""
