"""Special checks (K-1 III.F): residents ask for them, CSOs visit, residents get the log back.

A special check (SpecialCheck: Tracked, Located, SoftDeleted) is a resident's request or a
check staff took by phone or at the counter: a vacation house, a business, a problem
location. Its visits (CheckVisit: a field record) are the officers' two-tap observations.

Residents, no account (blueprint `special_checks_public` in public.py,
templates/special_checks/public/):
- /check-request/?lang=xx        the request form in seven languages   form.html, receipt.html
- /check-request/manage/<token>  the private link: visits so far, cancel, move the last day
                                                                       manage.html
Staff (blueprint `special_checks` in routes.py, templates/special_checks/):
- /checks/                       CSOs: today's active checks, nearest first   index.html, _list.html
- /checks/map                    the same on a map (Leaflet, only here)       map.html
- /checks/new                    a check taken by phone or at the counter     new.html
- /checks/<id>                   the check; one tap records a visit           view.html
- /checks/visits/<id>            one visit, its photos and History            visit.html
- /checks/overview               Senior CSOs: overdue checks, problems, all   overview.html
- /checks/settings               admins: lead time, longest check, ...        settings.html
Today shows a card (_today_card.html); Search finds checks by reference, address or name.

Files: models.py; services.py (the one CheckState, date rules, making a check once, the
private link, cancel and end date, settings, search, registration with the core);
visits.py (recording a visit); lists.py (today's list, Today's counts, the overview);
notices.py (the resident's emails, templates/special_checks/emails/); forms.py;
routes.py; public.py; commands.py (`flask special-checks queue-summaries`, daily).
Tests: tests/special_checks/, browser tests tests/e2e/test_special_check*.py.
"""
