"""Demo custody for `seed-demo`: an item with a three-transfer chain, and a narcotics delivery
to the DOJ laboratory that awaits the laboratory's receipt number (delivered, not closed)."""

import base64
import io
import uuid
from datetime import timedelta

from PIL import Image, ImageDraw

from cso_field.custody import services
from cso_field.custody.services import Handover, Party, PartyKind
from cso_field.demo import DemoContext
from cso_field.timeutil import department_today, utcnow

EVIDENCE_ROOM = Party(PartyKind.UNIT.value, "Property and Evidence Unit (demo)")
LAB = Party(
    PartyKind.AGENCY.value,
    "DOJ Bureau of Forensic Services, Modesto (demo)",
    "1306 Hughes Ln, Modesto, CA 95350",
)


def signature_png(seed: int) -> str:
    """A drawn-looking signature, as the pad posts it (a PNG data URL)."""
    image = Image.new("RGBA", (300, 110), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = [(20 + step * 13, 55 + ((step * seed) % 7 - 3) * 9) for step in range(20)]
    draw.line(points, fill=(0, 0, 0, 255), width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def handover(giver: Party, receiver: Party, at, purpose: str, seed: int, **extra) -> Handover:
    return Handover(
        giver=giver,
        receiver=receiver,
        at=at,
        place=extra.get("place", "Stockton Police Department, 22 E Market St"),
        purpose=purpose,
        seal_intact=True,
        seal_seen=extra.get("seal"),
        new_seal=None,
        condition=extra.get("condition", "Sealed bag, intact"),
        notes=None,
        giver_signed_name=giver.name,
        receiver_signed_name=receiver.name,
        giver_signature=signature_png(seed),
        receiver_signature=signature_png(seed + 3),
    )


def _item(user, kind, description, case, seal, hours_ago):
    item, _created = services.create_item(
        {
            "kind": kind,
            "description": description,
            "case_number": case,
            "seal_number": seal,
            "condition": "Sealed bag, intact",
            "collected_at": utcnow() - timedelta(hours=hours_ago),
            "collected_place": "E Main St & N Hunter St",
            "source_name": None,
        },
        client_uuid=uuid.uuid4(),
        author=user,
        uploads=[],
    )
    return item


def load_demo_custody(context: DemoContext) -> str:
    user = context.users["cso.demo"]
    mine = services.officer(user)
    start = utcnow() - timedelta(hours=30)
    item = _item(
        user,
        "evidence",
        "Demo: folding knife found at the scene, in a sealed bag.",
        "26-004512",
        "S-100231",
        30,
    )
    steps = [
        (mine, EVIDENCE_ROOM, "Booked into evidence"),
        (EVIDENCE_ROOM, mine, "Transport to the laboratory"),
        (mine, LAB, "Latent print examination"),
    ]
    for number, (giver, receiver, purpose) in enumerate(steps, start=1):
        services.transfer(
            [item],
            handover(
                giver,
                receiver,
                start + timedelta(hours=number * 2),
                purpose,
                number,
                seal="S-100231",
            ),
            user,
        )
    drugs = _item(
        user,
        "narcotics",
        "Demo: 3 baggies of white powder, about 12 g in total.",
        "26-004530",
        "S-100240",
        8,
    )
    booked = utcnow() - timedelta(hours=6)
    services.transfer(
        [drugs],
        handover(mine, EVIDENCE_ROOM, booked, "Booked into evidence", 5, seal="S-100240"),
        user,
    )
    trip, _created = services.create_transport(
        {"vehicle": "CSO-14", "destination_agency": LAB.name, "destination_address": LAB.address},
        [drugs.reference],
        client_uuid=uuid.uuid4(),
        author=user,
    )
    picked = booked + timedelta(hours=2)
    services.pick_up(
        trip,
        [drugs.reference],
        handover(EVIDENCE_ROOM, mine, picked, "Transport to the laboratory", 7, seal="S-100240"),
        user,
    )
    services.drop_off(
        trip,
        [drugs.reference],
        handover(
            mine,
            LAB,
            picked + timedelta(hours=1),
            "Delivery for analysis",
            9,
            seal="S-100240",
            place=LAB.address,
        ),
        user,
    )
    # Left open: the laboratory's receipt number has not come yet, so the trip cannot close.
    for days_ago, tracking in (
        (14, "9400 1000 0000 0000 0001 41"),
        (2, "9400 1000 0000 0000 0002 58"),
    ):
        sample = _item(
            user,
            "lab_sample",
            f"Demo: blood sample, DUI arrest, tube set {tracking[-2:]}.",
            f"26-0046{days_ago:02d}",
            None,
            24 * days_ago + 2,
        )
        services.mail_sample(
            sample,
            {
                "carrier": "USPS",
                "tracking_number": tracking,
                "laboratory": "Central Valley Toxicology (demo), Clovis",
                "mailed_on": department_today() - timedelta(days=days_ago),
            },
            user,
        )
    senior = context.users.get("senior.demo")
    seizure, _created = services.record_seizure(
        {
            "case_number": "26-004530",
            "seized_at": utcnow() - timedelta(hours=9),
            "place": "E Charter Way & S El Dorado St",
            "owner_name": None,
            "property_items": [{"description": "Demo: 2012 Honda Civic", "value_cents": 450_000}],
        },
        services.CashCount(
            128_000, senior.id if senior else None, signature_png(11), signature_png(12)
        )
        if senior
        else services.CashCount(0, None, None, None),
        client_uuid=uuid.uuid4(),
        author=user,
    )
    if senior:
        for name, unit, on_hand, reorder in (
            ("Demo: narcotics test kits (NIK)", "kits", 3, 10),
            ("Demo: evidence bags, large", "boxes", 24, 6),
        ):
            services.add_supply(
                {
                    "name": name,
                    "unit_name": unit,
                    "location": "Narcotics unit office",
                    "on_hand": on_hand,
                    "reorder_level": reorder,
                },
                senior,
            )
    return (
        f"custody: {item.reference} with 3 transfers; narcotics trip {trip.reference} "
        "awaiting the laboratory receipt; 2 lab samples mailed (1 overdue); "
        f"seizure {seizure.reference} under review; a unit supply below its reorder level"
    )
