"""A small department with records of every type, photos and documents, for the restore
drill: made through the services, so every record has its versions and audit rows."""

import io
import uuid

from werkzeug.datastructures import FileStorage

from cso_field.citations.services import warn
from cso_field.extensions import db
from cso_field.field_notes.models import FieldNote
from cso_field.neighborhood_watch.services import add_to_group
from cso_field.photos.services import save_photos
from cso_field.records import services as records
from cso_field.records.models import Status
from cso_field.surveys.services import start_canvass
from cso_field.traffic_posts import services as traffic
from tests.factories import (
    UserFactory,
    blight_case,
    check_with_token,
    codebook_entry,
    contact,
    door_survey,
    make_incident,
    make_post,
    png,
    train,
    visit,
    watch_group,
    watch_signup,
)


def note_with_photo(app, author) -> FieldNote:
    def attach(note):
        save_photos([FileStorage(io.BytesIO(png()), "photo.png")], note, author)

    with app.test_request_context():
        note, _created = records.create_record(
            FieldNote,
            client_uuid=uuid.uuid4(),
            content={"observation": "Couch on the sidewalk", "address": "1 Main St"},
            author=author,
            digest="0" * 64,
            status=Status.SUBMITTED,
            attach=attach,
        )
        db.session.commit()
    return note


def fill(app) -> str:
    """Records of every type; returns the CSO's user name (the writer logs in as them)."""
    users = UserFactory(app)
    cso, senior, admin = users.cso(), users.senior(), users.admin()
    for _ in range(3):
        note_with_photo(app, cso)
    check, _token = check_with_token(app, created_by_id=cso.id, address="2 Oak St")
    with app.test_request_context():
        visit(check, cso, outcome="suspicious")
        incident = make_incident(cso, requested_by="Miracle Mile Merchants")
        traffic.assign(make_post(incident), incident.periods[0], cso.id)
        violation = codebook_entry("8.24.040")
        trained = users.cso(username="cso.trained")
        train(trained, by=senior)
        warn(blight_case(cso, [violation]), trained)  # its notice: a generated document
        survey = door_survey(admin)
    canvass = start_canvass(survey, "Elm St", cso, uuid.uuid4())[0]
    contact(app, canvass, cso)
    group = watch_group(senior)
    add_to_group(watch_signup(client_address=None), group, senior)
    watch_signup(client_address=None)
    return cso.username
