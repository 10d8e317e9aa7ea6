"""Administrative blight citations (K-1 III.T): observation → warning → reinspection →
citation → hearing or appeal → paid, waived or collection → closed.

Staff (blueprint `citations` in routes.py, templates/citations/):
- /citations/                    my open cases (CSOs)                    index.html, _rows.html
- /citations/reinspections       warnings due for reinspection, nearest first
                                 (lists.DueRow: only the columns shown)  index.html, _due_rows.html
- /citations/overdue             unpaid fines and uncorrected warnings overdue  index.html
- /citations/overview            Senior CSOs: open cases per violation, district overview.html
- /citations/overview/violation/<id>, /overview/district/<id|none>   a count's open cases,
                                 newest first, with Load more             index.html, _rows.html
- /citations/new                 an observation (any staff)     new.html, _case_form.html
- /citations/<id>                a case: its next step at the top, fines with how they were
                                 computed, deadlines with days left, notices, History
                                                                view.html, _actions.html
- /citations/<id>/warning, /reinspection, /citation, /steps   the case's steps (trained
                                 users only for warnings and citations); the observation,
                                 reinspection and step forms post with htmx and come back
                                 alone with their errors (_reinspection_form.html,
                                 _step_form.html), whole pages without JavaScript
- /citations/<id>/party          before any notice: the party's details and the officer's
                                 text for the notices, a plain edit              party.html
- /citations/<id>/correction     an issued warning or citation corrected (party, language,
                                 the officer's text) with a reason: the next version, the old
                                 one kept and served, marked superseded     correction.html
- /citations/<id>/override       a Senior CSO changes a fine with a reason
- /citations/notices/<id>[/pdf]  a notice as issued: print page and its stored PDF, which
                                 embeds 900-px print copies of the photos stored beside it
                                                                notice_document.html
- /citations/codebook[/new|/<id>] admins: code sections, texts in seven languages, schedules
                                                                codebook.html, violation.html
- /citations/training            Senior CSOs and admins: who may cite          training.html
- /citations/settings            admins: payment, hearing and appeal periods   settings.html
Today shows a card with reinspections due and links to every list (_today_card.html).

Files: models.py; services.py (CaseState, fines, deadlines, training, codebook, the steps,
registration); notices.py (the locked snapshot in two languages, the PDF in storage);
lists.py; forms.py; routes.py; demo.py.
Tests: tests/citations/, browser test tests/e2e/test_citations.py.
"""
