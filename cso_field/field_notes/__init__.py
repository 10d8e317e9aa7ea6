"""Field notes: a CSO's free-text observation with its location and photos.

Screens (staff, blueprint `field_notes` in routes.py, templates/field_notes/):
- /notes/               list, newest first or nearest first, by district   index.html
- /notes/new            write a note, with "Use my location" and photos    new.html, _form.html
- /notes/<id>           the note, its photos, review actions and History   view.html
- /notes/<id>/edit      the author edits it until it is approved           edit.html
Submit, approve, return and delete are the shared record actions (records/routes.py);
adding photos later is photos/routes.py.

Files: models.py (FieldNote = FieldRecordMixin + observation), forms.py, services.py
(create, edit, list, search, registration), routes.py. Tests: tests/field_notes/.
"""
