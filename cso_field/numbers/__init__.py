"""District numbers: a Senior CSO's figures for one district (or all) over a period.

Screens (Senior CSOs and admins):
- /numbers/                 district and period (week, month, quarter, year, custom): records by
                            type and outcome, special checks done, citations and fines, canvass
                            contacts (and overdue work, once assignments register it); SVG bar
                            charts, each with its table
- /numbers/print            the one-page summary for a district meeting (print page)
- /numbers/summary.pdf      the same template as a PDF (documents.render_pdf)

Files: models.py (DayCount: counts kept per district, day and month), tally.py (keeps them as
records are written: a flush listener over the types registered in
records.registry.DISTRICT_FIGURES; `flask numbers rebuild` recounts), services.py (periods,
figures), routes.py. Record types contribute their figures through the registry and are never
imported here.
"""
