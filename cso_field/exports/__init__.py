"""Exports with redaction: CSV and XLSX of any registered list, with the list's filters.

Screens (staff; the internal profile only for Senior CSOs and admins):
- /exports/<source>?profile=&format=&<the list's filters>   the export form's target: sends
                                                            to the file below
- /exports/<source>/<agency|public>.<csv|xlsx>              agency-to-agency, public records
- /exports/<source>/internal.<csv|xlsx>                     every field (its own view, so a
                                                            step-up check can wrap it)

Files: profiles.py (what each profile drops or blurs, by the Personal kind each field
declares), services.py (rows, streamed CSV, write-only XLSX, the audit row), routes.py.
Record types register their lists (records.registry.ExportSource) and are never imported here.
"""
