"""Calls and the office log (K-1 III.A, K-2 III.J): the non-hazardous calls a CSO handles
instead of a sworn officer, the office's phone calls and walk-ins, and what that work is
worth in sworn-officer hours.

Screens (staff, blueprint `calls` in routes.py, templates/calls/):
- /calls/               every officer: the calls handled, the last first    index.html, _rows.html
- /calls/new            every officer: record a call (type from the department's list, time
                        received, minutes on it, disposition, whether a sworn officer would
                        otherwise have gone, district)                new.html, _form.html
- /calls/log            every officer: the office log                 log.html, _log_rows.html
- /calls/log/new        every officer: log a phone call or walk-in (reason, language, handled
                        or referred to)                          new_visit.html, _visit_form.html
- /calls/report         Senior CSOs, admins: a period's calls by type and district, CSO hours,
  /calls/report.csv     sworn-officer hours saved by each type's factor; a chart drawn on the
                        server, and the same lines as CSV          report.html
- /calls/types          admins: the department's call types and their factors (a sworn
  /calls/types/<id>     officer's minutes per call); add, rename, change, retire
                                                              types.html, edit_type.html
The office log holds no names or contacts (the reason says "No names"), so it has no
retention rule of its own; the audit trail records every write.

Files: models.py (CallType, HandledCall, OfficeLogEntry); forms.py; services.py (types,
recording, lists, the report and its chart, registration); routes.py; demo.py.
Tests: tests/calls/, tests/e2e/test_betterment.py.
"""
