"""Neighborhood Watch (K-1 III.C, K-2 III.D): groups, residents' sign-ups, meetings.

Why a sibling package of cso_field.surveys and not a part of it: Neighborhood Watch has its
own life (groups last for years, meetings are held without any canvass, residents sign up
online) and its own screens, so it has the house shape of its own. The two meet at one
point: a canvassed door's questionnaire has a Neighborhood Watch interest section, and the
district needs assessment counts sign-ups. So cso_field.surveys imports this package
(`services.add_canvass_signup`, `services.signup_from`, `services.signup_count`,
`forms.WatchInterestForm`), and this package never imports cso_field.surveys (an import
contract in pyproject.toml keeps it so): a sign-up names the record it came from generically
(source_record_type, source_record_id, source_reference) and links it through the core's
records.registry.

Screens
Staff (blueprint `neighborhood_watch` in routes.py, templates/neighborhood_watch/):
- /watch/                         every officer: the groups       index.html, _rows.html
- /watch/new                      Senior CSOs, admins: a new group (area, district, language)
                                                                  new.html
- /watch/<id>                     every officer: members, block captain, meetings   group.html
                                  (an archived group: Senior CSOs and admins only, to restore)
- /watch/<id>/edit                Senior CSOs, admins: change name, area, district, language
                                                                  edit.html
- /watch/<id>/archive|restore     Senior CSOs, admins: archive (out of the active lists, the
                                  sign-ups' choices and the quiet list) or restore (POST)
- /watch/archived                 Senior CSOs, admins: archived groups   archived.html,
                                                                         _archived_rows.html
- /watch/<id>/members/<m>/captain Senior CSOs, admins: choose the block captain (POST)
- /watch/<id>/meetings/new        every officer: record a meeting (date, place, topics,
                                  attendance, materials, follow-ups)   meeting.html,
                                                                       _meeting_form.html
- /watch/meetings/<id>            every officer: a meeting, its review state (a record type:
                                  the Senior CSO's review queue, My records)  meeting_view.html
- /watch/meetings/<id>/edit       its author, until approved: correct it, then resubmit
                                                                  meeting.html
- /watch/signups                  Senior CSOs, admins: sign-ups waiting for a group; add each
  /watch/signups/<id>/add|dismiss to a group (and make it block captain) or set it aside
                                  signups.html, _signup_rows.html, _signup_row.html,
                                  signup.html
- /watch/signups/<id>             Senior CSOs, admins: one sign-up, its state, its group and
                                  the door it came from                 signup_view.html
- /watch/quiet                    Senior CSOs, admins: groups with no meeting in the last N
  /watch/quiet/settings           months (the `watch_quiet_months` setting; admins change it)
                                                                  quiet.html
Residents (blueprint `neighborhood_watch_public` in public.py, templates/neighborhood_watch/
public/): /neighborhood-watch/ — the sign-up page in the resident's language, no account,
limited per address and hour (WATCH_SIGNUPS_PER_ADDRESS_PER_HOUR), a honeypot for robots.
At a door: the interest section of surveys/_questionnaire.html (forms.WatchInterestForm).
Today: a Senior CSO sees the waiting sign-ups and the quiet groups (_today_card.html).

Files: models.py (WatchGroup, WatchMember, WatchSignup, WatchMeeting); forms.py; services.py
(sign-ups, groups, meetings, the quiet list, registration); routes.py; public.py; demo.py.
Tests: tests/neighborhood_watch/, tests/e2e/test_surveys.py (the door to the group).
"""
