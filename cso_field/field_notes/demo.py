"""Demo field notes for `seed-demo`: by cso.demo, with photos, in every review state."""

import io
import uuid

from PIL import Image, ImageDraw
from werkzeug.datastructures import FileStorage

from cso_field.demo import DemoContext
from cso_field.extensions import db
from cso_field.field_notes.services import create_note
from cso_field.records.services import approve, return_for_changes

# (observation, address, latitude, longitude, what the Senior CSO does)
NOTES = (
    (
        "Demo: streetlight out at the corner, whole block dark after 6 pm.",
        "N El Dorado St & E Miner Ave",
        37.9578,
        -121.2901,
        "approve",
    ),
    (
        "Demo: abandoned shopping carts blocking the sidewalk by the bus stop.",
        "E Weber Ave & N Hunter St",
        37.9533,
        -121.2889,
        "approve",
    ),
    (
        "Demo: graffiti on the east wall of the parking structure, about 3 m wide.",
        "E Market St & N San Joaquin St",
        37.9545,
        -121.2862,
        "approve",
    ),
    (
        "Demo: broken bench and loose pavers near the fountain.",
        "Hunter Square, Stockton",
        37.9539,
        -121.2897,
        "approve",
    ),
    (
        "Demo: car with expired tags parked more than 72 hours.",
        "W Acacia St & N Pershing Ave",
        37.9634,
        -121.3079,
        "return",
    ),
    (
        "Demo: missing stop sign, only the post is left.",
        "E Harding Way & N California St",
        37.9746,
        -121.2851,
        "submit",
    ),
    (
        "Demo: illegal dumping, mattress and couch in the alley.",
        "E Fremont St & S Airport Way",
        37.9556,
        -121.2724,
        "submit",
    ),
    (
        "Demo: gate to the vacant lot forced open, chain cut.",
        "N Center St & E Park St",
        37.9619,
        -121.2922,
        "submit",
    ),
    (
        "Demo: traffic signal stuck on flashing red.",
        "E Charter Way & S El Dorado St",
        37.9391,
        -121.2875,
        "submit",
    ),
)
COLOURS = ((70, 110, 160), (150, 90, 60), (80, 130, 80), (120, 120, 130))
RETURN_COMMENT = "Demo: please add the licence plate and the date you first saw the car."


def demo_jpeg(context: DemoContext, number: int, label: str) -> FileStorage:
    """A small generated JPEG: a coloured scene with the words 'DEMO PHOTO'."""
    rng = context.rng
    image = Image.new("RGB", (640, 480), COLOURS[number % len(COLOURS)])
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randrange(0, 560), rng.randrange(0, 400)
        shade = tuple(rng.randrange(40, 230) for _ in range(3))
        draw.rectangle((x, y, x + rng.randrange(40, 200), y + rng.randrange(40, 160)), fill=shade)
    draw.rectangle((0, 420, 640, 480), fill=(20, 20, 20))
    draw.text((16, 440), f"DEMO PHOTO - {label}", fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    buffer.seek(0)
    return FileStorage(buffer, filename=f"demo-{number}.jpg", content_type="image/jpeg")


def load_demo_notes(context: DemoContext) -> str:
    cso, senior = context.users["cso.demo"], context.users["senior.demo"]
    photos = 0
    for number, (observation, address, lat, lon, review) in enumerate(NOTES):
        uploads = [demo_jpeg(context, number * 2 + i, address) for i in range(1 + number % 2)]
        photos += len(uploads)
        note, _created = create_note(
            {
                "observation": observation,
                "latitude": lat,
                "longitude": lon,
                "accuracy_m": 8.0,
                "address": address,
            },
            draft=False,
            client_uuid=uuid.UUID(int=context.rng.getrandbits(128)),
            author=cso,
            uploads=uploads,
        )
        if review == "approve":
            approve(note, senior)
        elif review == "return":
            return_for_changes(note, senior, RETURN_COMMENT)
        db.session.commit()
    waiting = sum(1 for note in NOTES if note[4] == "submit")
    return (
        f"{len(NOTES)} demo field notes by cso.demo with {photos} photos "
        f"({waiting} waiting for review by senior.demo, 1 returned with a comment)."
    )
