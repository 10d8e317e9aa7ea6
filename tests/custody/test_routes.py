"""Custody screens through HTTP: an item recorded from the phone form, a hand-over refused
without both signatures (the form kept), accepted with them, the custody form and PDF with
both signature images and their SHA-256, a trip refused closing with an item not delivered."""

import io
import re
import uuid

import pytest
from pypdf import PdfReader

from cso_field.custody import services
from cso_field.custody.demo import EVIDENCE_ROOM, LAB, handover, signature_png
from cso_field.custody.models import CustodyItem, CustodyTransfer
from cso_field.extensions import db
from cso_field.timeutil import utcnow

ITEM = {
    "kind": "evidence",
    "description": "Folding knife, black handle",
    "case_number": "26-004512",
    "seal_number": "S-77",
    "condition": "Sealed bag, intact",
    "collected_place": "E Main St",
    "submit": "1",
}


@pytest.fixture
def officer(app, users, login, tmp_path):
    app.config["PHOTO_STORAGE_DIR"] = str(tmp_path / "files")
    app.extensions.pop("cso_storage", None)
    user = users.cso(display_name="Dana Reyes")
    login(user)
    return user


def _item(client) -> CustodyItem:
    response = client.post("/custody/new", data={**ITEM, "client_uuid": str(uuid.uuid4())})
    assert response.status_code == 303
    return db.session.query(CustodyItem).one()


def _handover_body(item, **changes):
    return {
        "items": item.reference.lower(),
        "giver_kind": "person",
        "giver_name": "Dana Reyes",
        "receiver_kind": "unit",
        "receiver_name": EVIDENCE_ROOM.name,
        "place": "Property room",
        "purpose": "Booked into evidence",
        "seal_intact": "y",
        "seal_seen": "S-77",
        "condition": "Sealed bag, intact",
        "giver_signed_name": "Dana Reyes",
        "receiver_signed_name": "Lee Park",
        "giver_signature": signature_png(1),
        "receiver_signature": signature_png(2),
        **changes,
    }


def test_an_officer_records_an_item_and_it_is_held_by_them(client, officer):
    item = _item(client)
    page = client.get(f"/custody/{item.id}").get_data(as_text=True)
    assert item.reference in page and "Folding knife, black handle" in page
    assert item.holder_name == "Dana Reyes"
    refused = client.post("/custody/new", data={"description": "Only this", "submit": "1"})
    assert refused.status_code == 422
    assert "Only this" in refused.get_data(as_text=True)


def test_a_handover_without_the_receivers_signature_is_refused_and_keeps_the_form(client, officer):
    item = _item(client)
    response = client.post("/custody/handover", data=_handover_body(item, receiver_signature=""))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Both parties must sign" in page and "Lee Park" in page
    assert signature_png(1) in page  # the giver's drawing is kept, drawn back by the pad
    assert db.session.query(CustodyTransfer).count() == 0


def test_a_signed_handover_is_on_the_custody_form_and_pdf_with_both_hashes(client, officer):
    item = _item(client)
    response = client.post("/custody/handover", data=_handover_body(item))
    assert response.status_code == 303
    transfer = db.session.query(CustodyTransfer).one()
    image = client.get(f"/custody/transfers/{transfer.id}/receiver.png")
    assert image.mimetype == "image/png" and image.data.startswith(b"\x89PNG")
    form = client.get(f"/custody/{item.id}/form").get_data(as_text=True)
    assert transfer.giver_signature_sha256 in form and EVIDENCE_ROOM.name in form
    pdf = client.get(f"/custody/{item.id}/form.pdf")
    assert pdf.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.data))
    text = re.sub(r"\s+", "", " ".join(page.extract_text() for page in reader.pages))
    assert transfer.giver_signature_sha256 in text and transfer.receiver_signature_sha256 in text
    assert sum(len(page.images) for page in reader.pages) == 2


def test_a_trip_with_an_item_not_delivered_does_not_close(client, officer):
    item = _item(client)
    trip = {
        "items": item.reference,
        "vehicle": "CSO-14",
        "destination_agency": LAB.name,
        "destination_address": LAB.address,
        "client_uuid": str(uuid.uuid4()),
    }
    assert client.post("/custody/transports/new", data=trip).status_code == 303
    again = client.post("/custody/transports/new", data={**trip, "client_uuid": str(uuid.uuid4())})
    assert again.status_code == 422 and "two places at once" in again.get_data(as_text=True)
    trip_id = item.transport_id
    refused = client.post(f"/custody/transports/{trip_id}/close", data={})
    assert refused.status_code == 422
    assert f"{item.reference} not delivered" in refused.get_data(as_text=True)


def test_the_pick_up_form_asks_for_item_numbers_and_fills_in_the_parties(client, officer):
    item = _item(client)
    services.transfer(
        [item],
        handover(services.officer(officer), EVIDENCE_ROOM, utcnow(), "B", 1),
        officer,
    )
    trip, _ = services.create_transport(
        {"vehicle": "V", "destination_agency": LAB.name, "destination_address": LAB.address},
        [item.reference],
        client_uuid=uuid.uuid4(),
        author=officer,
    )
    page = client.get(f"/custody/handover?transport={trip.id}&step=pickup").get_data(as_text=True)
    assert EVIDENCE_ROOM.name in page and "Dana Reyes" in page
    assert f'name="items">{item.reference}' not in page  # scanned or typed, never filled in
    assert client.get("/custody/handover?transport=99999").status_code == 404


def test_a_sample_is_mailed_and_the_laboratorys_receipt_refuses_a_bad_date(client, officer):
    response = client.post(
        "/custody/new",
        data={**ITEM, "kind": "lab_sample", "client_uuid": str(uuid.uuid4())},
    )
    sample = db.session.query(CustodyItem).one()
    mailed = client.post(
        f"/custody/{sample.id}/mail",
        data={"carrier": "USPS", "tracking_number": "9400 111", "laboratory": "Tox Lab"},
    )
    assert response.status_code == mailed.status_code == 303
    assert "9400 111" in client.get("/custody/samples").get_data(as_text=True)
    refused = client.post(
        f"/custody/mailings/{sample.mailing.id}/receipt", data={"received_on": "2026-02-30"}
    )
    assert refused.status_code == 422 and "Enter a date" in refused.get_data(as_text=True)
    assert client.post(f"/custody/mailings/{sample.mailing.id}/receipt").status_code == 303
    assert sample.mailing.confirmed_on is not None


def test_a_seizure_with_cash_counted_by_one_person_is_refused_and_the_form_kept(
    client, officer, users
):
    partner = users.cso(display_name="Sam Ortiz")
    body = {
        "client_uuid": str(uuid.uuid4()),
        "case_number": "26-009001",
        "place": "E Charter Way",
        "property_items": "Honda Civic 2012, 4500\nPhone",
        "cash": "1,250.00",
        "second_counter": str(officer.id),
        "first_signature": signature_png(1),
        "second_signature": signature_png(2),
    }
    assert "Sam Ortiz" in client.get("/custody/seizures/new").get_data(as_text=True)
    refused = client.post("/custody/seizures/new", data=body)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "two different people" in page and "1,250.00" in page and "Honda Civic" in page
    accepted = client.post(
        "/custody/seizures/new", data={**body, "second_counter": str(partner.id)}
    )
    assert accepted.status_code == 303
    shown = client.get(accepted.location).get_data(as_text=True)
    assert "$1,250.00" in shown and "$4,500.00" in shown and "Sam Ortiz" in shown
    assert client.get(accepted.location.rstrip("/") + "/second.png").mimetype == "image/png"


def test_a_senior_cso_moves_a_seizure_on_and_reads_the_report(client, users, login, officer):
    from cso_field.custody.models import AssetSeizure

    seizure, _ = services.record_seizure(
        {
            "case_number": "26-1",
            "place": "Here",
            "owner_name": "Ana Ruiz",
            "property_items": [],
            "seized_at": utcnow(),
        },
        services.CashCount(0, None, None, None),
        client_uuid=uuid.uuid4(),
        author=officer,
    )
    senior_client = login(users.senior(), test_client=client.application.test_client())
    assert (
        client.post(f"/custody/seizures/{seizure.id}/state", data={"state": "held"}).status_code
        == 403
    )
    wrong = senior_client.post(f"/custody/seizures/{seizure.id}/state", data={"state": "forfeited"})
    assert wrong.status_code == 422
    done = senior_client.post(f"/custody/seizures/{seizure.id}/state", data={"state": "held"})
    assert done.status_code == 303 and db.session.get(AssetSeizure, seizure.id).state == "held"
    report = senior_client.get("/custody/seizures/report?from=2000-01-01&to=2999-01-01")
    assert report.status_code == 200 and "Held" in report.get_data(as_text=True)


def test_a_senior_cso_sees_low_supplies_on_today_and_a_cso_issues_them_signed(
    client, users, login, officer
):
    senior = users.senior()
    senior_client = login(senior, test_client=client.application.test_client())
    added = senior_client.post(
        "/custody/supplies/new",
        data={
            "name": "Test kits",
            "unit_name": "kits",
            "location": "Narcotics office",
            "on_hand": "3",
            "reorder_level": "2",
        },
    )
    assert added.status_code == 303
    issue = {"kind": "issue", "quantity": "2", "person_name": "Det. Ruiz", "team": "narcotics"}
    refused = client.post(added.location + "/move", data=issue)
    assert refused.status_code == 422 and "Both parties must sign" in refused.get_data(as_text=True)
    done = client.post(added.location + "/move", data={**issue, "signature": signature_png(1)})
    assert done.status_code == 303
    assert "1 supply to reorder" in senior_client.get("/today").get_data(as_text=True)
    assert "Det. Ruiz" in client.get(added.location).get_data(as_text=True)
