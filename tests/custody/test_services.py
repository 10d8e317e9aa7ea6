"""Chain of custody, the rules called directly: a chain with a gap in time or a missing
signature is refused, an item is never in two places at once, a broken seal is recorded,
a trip cannot close with an item unaccounted for, narcotics need the lab receipt and a
second witness when the department requires one."""

import uuid
from dataclasses import replace
from datetime import timedelta

import pytest

from cso_field.custody import services
from cso_field.custody.demo import EVIDENCE_ROOM, LAB, handover, signature_png
from cso_field.custody.models import CustodyTransfer
from cso_field.custody.services import CustodyError
from cso_field.extensions import db
from cso_field.settings import set_setting
from cso_field.storage import get_storage
from cso_field.timeutil import utcnow


@pytest.fixture
def officer(app, users, tmp_path):
    app.config["PHOTO_STORAGE_DIR"] = str(tmp_path / "files")
    app.extensions.pop("cso_storage", None)
    with app.test_request_context():
        yield users.cso(display_name="Dana Reyes")


def make_item(user, kind="evidence", hours_ago=10, seal="S-1"):
    item, _created = services.create_item(
        {
            "kind": kind,
            "description": "Knife in a sealed bag",
            "case_number": "26-000123",
            "seal_number": seal,
            "condition": "Sealed bag, intact",
            "collected_at": utcnow() - timedelta(hours=hours_ago),
            "collected_place": "Main St",
            "source_name": None,
        },
        client_uuid=uuid.uuid4(),
        author=user,
        uploads=[],
    )
    return item


def hours_ago(hours):
    return utcnow() - timedelta(hours=hours)


def test_a_transfer_with_both_signatures_moves_the_item_and_keeps_the_images_with_their_hash(
    officer,
):
    item = make_item(officer)
    me = services.officer(officer)
    (made,) = services.transfer(
        [item], handover(me, EVIDENCE_ROOM, hours_ago(9), "Booked", 1, seal="S-1"), officer
    )
    assert item.holder_name == EVIDENCE_ROOM.name and made.sequence == 1
    stored = get_storage().read(made.giver_signature_key)
    import hashlib

    assert hashlib.sha256(stored).hexdigest() == made.giver_signature_sha256
    assert made.receiver_signature_sha256 != made.giver_signature_sha256
    assert services.check_chain(item) == []


@pytest.mark.parametrize("missing", ["giver_signature", "receiver_signature"])
def test_a_transfer_without_a_signature_is_refused_and_nothing_is_kept(officer, missing):
    item = make_item(officer)
    step = handover(services.officer(officer), EVIDENCE_ROOM, hours_ago(9), "Booked", 1)
    for unsigned in (None, "", blank_png()):
        with pytest.raises(CustodyError) as refused:
            services.transfer([item], replace(step, **{missing: unsigned}), officer)
        assert refused.value.code == "missing_signature"
    assert db.session.query(CustodyTransfer).count() == 0
    assert item.holder_name == "Dana Reyes"


def blank_png():
    import base64
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGBA", (300, 100), (0, 0, 0, 0)).save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def test_something_that_is_not_a_png_is_not_a_signature(officer):
    item = make_item(officer)
    step = handover(services.officer(officer), EVIDENCE_ROOM, hours_ago(9), "Booked", 1)
    with pytest.raises(CustodyError) as refused:
        services.transfer(
            [item], replace(step, giver_signature="data:image/png;base64,AAAA"), officer
        )
    assert refused.value.code == "bad_signature"


def test_a_chain_with_a_gap_in_time_is_refused(officer):
    item = make_item(officer, hours_ago=10)
    me = services.officer(officer)
    with pytest.raises(CustodyError) as before_collected:
        services.transfer([item], handover(me, EVIDENCE_ROOM, hours_ago(11), "Booked", 1), officer)
    assert before_collected.value.code == "time_gap"
    services.transfer([item], handover(me, EVIDENCE_ROOM, hours_ago(5), "Booked", 1), officer)
    with pytest.raises(CustodyError) as before_last:
        services.transfer([item], handover(EVIDENCE_ROOM, me, hours_ago(6), "Out", 2), officer)
    assert before_last.value.code == "time_gap"
    with pytest.raises(CustodyError) as future:
        services.transfer([item], handover(EVIDENCE_ROOM, me, hours_ago(-2), "Out", 2), officer)
    assert future.value.code == "future_time"
    assert len(item.transfers) == 1


def test_a_transfer_from_someone_who_does_not_hold_the_item_is_refused(officer):
    """The item is with the evidence unit: nobody else can hand it on (a gap in custody,
    or the item in two places at once)."""
    item = make_item(officer)
    me = services.officer(officer)
    services.transfer([item], handover(me, EVIDENCE_ROOM, hours_ago(5), "Booked", 1), officer)
    with pytest.raises(CustodyError) as refused:
        services.transfer([item], handover(me, LAB, hours_ago(4), "Lab", 2), officer)
    assert refused.value.code == "custody_gap"
    with pytest.raises(CustodyError) as same:
        services.transfer(
            [item], handover(EVIDENCE_ROOM, EVIDENCE_ROOM, hours_ago(4), "x", 2), officer
        )
    assert same.value.code == "same_party"


def test_an_item_on_a_trip_cannot_go_on_another_trip_or_be_handed_over_outside_it(officer):
    item = make_item(officer)
    trip_content = {
        "vehicle": "CSO-1",
        "destination_agency": LAB.name,
        "destination_address": LAB.address,
    }
    trip, _ = services.create_transport(
        trip_content, [item.reference], client_uuid=uuid.uuid4(), author=officer
    )
    with pytest.raises(CustodyError) as second_trip:
        services.create_transport(
            trip_content, [item.reference], client_uuid=uuid.uuid4(), author=officer
        )
    assert second_trip.value.code == "on_a_trip"
    me = services.officer(officer)
    with pytest.raises(CustodyError) as outside:
        services.transfer([item], handover(me, EVIDENCE_ROOM, hours_ago(1), "x", 1), officer)
    assert outside.value.code == "on_a_trip"
    assert item.transport_id == trip.id


def test_a_broken_seal_and_a_changed_condition_are_recorded_on_the_transfer(officer):
    item = make_item(officer, seal="S-1")
    me = services.officer(officer)
    step = handover(
        me, EVIDENCE_ROOM, hours_ago(5), "Booked", 1, seal="S-9", condition="Bag torn at one corner"
    )
    (made,) = services.transfer([item], replace(step, new_seal="S-2"), officer)
    assert made.seal_broken and made.seal_seen == "S-9" and made.condition_changed
    # What was recorded at collection stays; the seal now on the bag follows the transfer.
    assert item.seal_number == "S-1" and item.condition == "Sealed bag, intact"
    assert item.current_seal == "S-2" and item.current_condition == "Bag torn at one corner"


def _delivered_trip(officer, kind="narcotics"):
    items = [make_item(officer, kind=kind), make_item(officer)]
    numbers = [item.reference for item in items]
    trip, _ = services.create_transport(
        {"vehicle": "CSO-1", "destination_agency": LAB.name, "destination_address": LAB.address},
        numbers,
        client_uuid=uuid.uuid4(),
        author=officer,
    )
    me = services.officer(officer)
    partner = services.Party("person", "Sam Ortiz")
    for number, item in enumerate(items):  # the CSO's partner holds them before the trip
        services.transfer(
            [item], handover(me, partner, hours_ago(4), "x", number), officer, transport=trip
        )
    services.pick_up(trip, numbers, handover(partner, me, hours_ago(3), "Transport", 4), officer)
    return trip, numbers


def test_a_trip_cannot_close_with_an_item_unaccounted_for(officer):
    trip, numbers = _delivered_trip(officer, kind="evidence")
    me = services.officer(officer)
    services.drop_off(trip, numbers[:1], handover(me, LAB, hours_ago(2), "Delivery", 5), officer)
    with pytest.raises(CustodyError) as refused:
        services.close_transport(trip, officer, None, None)
    assert refused.value.code == "unaccounted" and numbers[1] in refused.value.message
    with pytest.raises(CustodyError) as twice:
        services.drop_off(trip, numbers[:1], handover(me, LAB, hours_ago(1), "Again", 6), officer)
    assert twice.value.code == "already_delivered"
    services.drop_off(trip, numbers[1:], handover(me, LAB, hours_ago(1), "Delivery", 6), officer)
    services.close_transport(trip, officer, None, None)
    assert trip.closed_at is not None and all(row.item.transport_id is None for row in trip.items)


def test_a_narcotics_delivery_needs_the_lab_receipt_and_a_witness_when_the_department_says(
    officer,
):
    trip, numbers = _delivered_trip(officer)
    services.drop_off(
        trip,
        numbers,
        handover(services.officer(officer), LAB, hours_ago(1), "Delivery", 5),
        officer,
    )
    with pytest.raises(CustodyError) as no_receipt:
        services.close_transport(trip, officer, " ", "Sam Ortiz")
    assert no_receipt.value.code == "lab_receipt"
    with pytest.raises(CustodyError) as no_witness:
        services.close_transport(trip, officer, "LAB-77", None)
    assert no_witness.value.code == "witness"
    set_setting(services.WITNESS_SETTING, False)
    db.session.commit()
    services.close_transport(trip, officer, "LAB-77", None)
    assert trip.lab_receipt_number == "LAB-77"


def test_an_item_number_not_on_the_trip_is_refused_at_pick_up(officer):
    trip, _numbers = _delivered_trip(officer, kind="evidence")
    other = make_item(officer)
    me = services.officer(officer)
    with pytest.raises(CustodyError) as refused:
        services.drop_off(trip, [other.reference], handover(me, LAB, hours_ago(1), "x", 1), officer)
    assert refused.value.code == "not_on_trip"


def test_check_chain_finds_a_gap_and_a_missing_signature_in_a_stored_chain(officer):
    item = make_item(officer)
    me = services.officer(officer)
    services.transfer([item], handover(me, EVIDENCE_ROOM, hours_ago(5), "Booked", 1), officer)
    services.transfer([item], handover(EVIDENCE_ROOM, me, hours_ago(4), "Out", 2), officer)
    item.transfers[1].from_name = "Someone else"
    item.transfers[1].receiver_signature_sha256 = ""
    assert services.check_chain(item) == ["custody_gap", "missing_signature"]


def test_signature_png_is_a_signature(officer):
    assert services.read_signature(signature_png(3)).sha256


def test_after_seven_years_the_person_an_item_came_from_is_forgotten_but_the_chain_stays(
    officer,
):
    from cso_field.retention import services as retention

    item = make_item(officer)
    item.source_name = "Rosa Martínez"
    services.transfer(
        [item], handover(services.officer(officer), EVIDENCE_ROOM, hours_ago(5), "B", 1), officer
    )
    retention.run(now=utcnow() + timedelta(days=2000))
    assert item.source_name == "Rosa Martínez"
    retention.run(now=utcnow() + timedelta(days=2556))
    db.session.refresh(item)
    assert item.source_name is None and len(item.transfers) == 1


def test_a_trip_is_assigned_and_completed_like_any_work(officer, users):
    from cso_field.assignments import services as assignments

    senior = users.senior()
    work = assignments.Work(
        "custody_transport",
        "Take the knife to the DOJ lab",
        None,
        "normal",
        utcnow() + timedelta(hours=4),
        officer.id,
        None,
    )
    task = assignments.assign(work, senior)
    assignments.accept(task, officer)
    item = make_item(officer)
    trip, _ = services.create_transport(
        {"vehicle": "V", "destination_agency": LAB.name, "destination_address": LAB.address},
        [item.reference],
        client_uuid=uuid.uuid4(),
        author=officer,
    )
    assert ("custody_transport", "Transport") in assignments.kinds()
    assert assignments.recent_records("custody_transport", officer) == [trip]
    assignments.complete(task, officer, record_id=trip.id, outcome=None)
    assert assignments.linked_record(task) == trip


def _mail(officer, days_ago, **changes):
    from cso_field.timeutil import department_today

    sample = make_item(officer, kind="lab_sample", hours_ago=24 * days_ago + 1)
    content = {
        "carrier": "USPS",
        "tracking_number": f"9400{days_ago}",
        "laboratory": "Central Valley Toxicology",
        "mailed_on": department_today() - timedelta(days=days_ago),
        **changes,
    }
    return sample, services.mail_sample(sample, content, officer)


def test_samples_not_confirmed_after_the_departments_days_are_listed_as_overdue(officer):
    from cso_field.timeutil import department_today

    _late_sample, late = _mail(officer, 12)
    _recent_sample, recent = _mail(officer, 3)
    assert services.list_samples(overdue_only=True, page=1)[0] == [late]
    assert services.list_samples(overdue_only=False, page=1)[0] == [late, recent]
    set_setting(services.CONFIRMATION_SETTING, 2)
    db.session.commit()
    assert services.list_samples(overdue_only=True, page=1)[0] == [late, recent]
    with pytest.raises(CustodyError) as early:
        services.confirm_receipt(late, late.mailed_on - timedelta(days=1), officer)
    assert early.value.code == "received_before_mailed"
    services.confirm_receipt(late, department_today(), officer)
    assert services.list_samples(overdue_only=True, page=1)[0] == [recent]


def test_a_mailed_sample_is_no_longer_in_hand_and_only_samples_are_mailed(officer):
    sample, _mailing = _mail(officer, 1)
    with pytest.raises(CustodyError) as handed:
        services.transfer(
            [sample],
            handover(services.officer(officer), EVIDENCE_ROOM, hours_ago(0), "x", 1),
            officer,
        )
    assert handed.value.code == "mailed"
    knife = make_item(officer)
    with pytest.raises(CustodyError) as not_a_sample:
        services.mail_sample(
            knife,
            {
                "carrier": "U",
                "tracking_number": "1",
                "laboratory": "L",
                "mailed_on": sample.mailing.mailed_on,
            },
            officer,
        )
    assert not_a_sample.value.code == "not_a_sample"


SEIZURE = {
    "case_number": "26-009001",
    "place": "E Charter Way",
    "owner_name": None,
    "property_items": [{"description": "Honda Civic 2012", "value_cents": 450000}],
}


def _seize(officer, count):
    return services.record_seizure(
        {**SEIZURE, "seized_at": hours_ago(2)}, count, client_uuid=uuid.uuid4(), author=officer
    )[0]


def test_cash_counts_need_two_different_signers(officer, users):
    partner = users.cso(display_name="Sam Ortiz")
    alone = services.CashCount(125_000, officer.id, signature_png(1), signature_png(2))
    with pytest.raises(CustodyError) as same_person:
        _seize(officer, alone)
    assert same_person.value.code == "same_counter"
    copied = services.CashCount(125_000, partner.id, signature_png(1), signature_png(1))
    with pytest.raises(CustodyError) as same_drawing:
        _seize(officer, copied)
    assert same_drawing.value.code == "same_signature"
    unsigned = services.CashCount(125_000, partner.id, signature_png(1), None)
    with pytest.raises(CustodyError) as missing:
        _seize(officer, unsigned)
    assert missing.value.code == "missing_signature"
    seizure = _seize(
        officer, services.CashCount(125_000, partner.id, signature_png(1), signature_png(2))
    )
    assert (seizure.first_counter_id, seizure.second_counter_id) == (officer.id, partner.id)
    assert seizure.state == "review" and seizure.property_cents == 450000
    no_cash = _seize(officer, services.CashCount(0, None, None, None))
    assert no_cash.first_signature_key is None


def test_a_seizure_goes_through_release_forfeiture_or_return_and_the_report_adds_it_up(
    officer, users
):
    from cso_field.timeutil import department_today

    partner = users.cso()
    cash = _seize(
        officer, services.CashCount(8_000, partner.id, signature_png(1), signature_png(2))
    )
    car = _seize(officer, services.CashCount(0, None, None, None))
    services.change_seizure_state(cash, "held", officer)
    services.change_seizure_state(cash, "forfeited", officer)
    with pytest.raises(CustodyError) as back:
        services.change_seizure_state(cash, "returned", officer)
    assert back.value.code == "wrong_state"
    lines = {
        line.state: line
        for line in services.seizure_report(
            department_today() - timedelta(days=1), department_today()
        )
    }
    assert (lines["forfeited"].count, lines["forfeited"].cash_cents) == (1, 8_000)
    assert (lines["review"].count, lines["review"].property_cents) == (1, 450_000)
    assert car.state == "review"


def _supply(officer, users, on_hand=10, reorder=4):
    return services.add_supply(
        {
            "name": f"Evidence bags {on_hand}",
            "unit_name": "boxes",
            "location": "Vice office",
            "on_hand": on_hand,
            "reorder_level": reorder,
        },
        users.senior(),
    )


def test_supplies_are_issued_and_returned_signed_for_and_low_stock_is_listed(officer, users):
    bags = _supply(officer, users, on_hand=6, reorder=4)
    with pytest.raises(CustodyError) as unsigned:
        services.move_supply(bags, "issue", 2, officer, person="Det. Ruiz", team="vice")
    assert unsigned.value.code == "missing_signature"
    with pytest.raises(CustodyError) as too_many:
        services.move_supply(
            bags, "issue", 7, officer, person="Det. Ruiz", team="vice", signature=signature_png(1)
        )
    assert too_many.value.code == "not_enough" and "6" in too_many.value.message
    assert services.list_supplies(low_only=True, page=1)[0] == []
    moved = services.move_supply(
        bags, "issue", 2, officer, person="Det. Ruiz", team="vice", signature=signature_png(1)
    )
    assert bags.on_hand == moved.on_hand_after == 4 and moved.signature_sha256
    assert services.list_supplies(low_only=True, page=1)[0] == [bags]
    assert services.low_stock_count() == 1
    services.move_supply(
        bags, "return", 1, officer, person="Det. Ruiz", team="vice", signature=signature_png(2)
    )
    assert bags.on_hand == 5 and services.low_stock_count() == 0
    with pytest.raises(CustodyError) as restock:
        services.move_supply(bags, "restock", 10, officer)
    assert restock.value.code == "restock_supervisors"
