"""Demo blight cases for `seed-demo`: an example codebook, a trained and an untrained CSO,
and cases at every step, with owners who read Spanish, Khmer and Punjabi."""

import io
import uuid
from datetime import timedelta

from PIL import Image, ImageDraw
from werkzeug.datastructures import FileStorage

from cso_field.accounts.services import create_account
from cso_field.citations.services import (
    cite,
    correct_notice,
    open_case,
    party_values,
    record_step,
    record_training,
    reinspect,
    save_violation,
    warn,
)
from cso_field.demo import DemoContext
from cso_field.extensions import db
from cso_field.timeutil import department_today

# Common blight violations, marked as examples: a city replaces them with its own sections.
CODEBOOK = [
    (
        "EX-8.24.040",
        "general",
        14,
        {
            "en": "Overgrown vegetation (example)",
            "es": "Vegetación crecida (ejemplo)",
            "vi": "Cây cỏ mọc um tùm (ví dụ)",
            "km": "រុក្ខជាតិដុះរញ៉េរញ៉ៃ (ឧទាហរណ៍)",
            "hmn": "Nroj tsuag loj hlob tuab (piv txwv)",
            "tl": "Labis na tumubong halaman (halimbawa)",
            "pa": "ਵਧੀ ਹੋਈ ਬਨਸਪਤੀ (ਉਦਾਹਰਨ)",
        },
        {
            "en": "Weeds or grass over 12 inches tall, or dead vegetation that is a fire hazard.",
            "es": "Maleza o césped de más de 30 cm, o vegetación seca con riesgo de incendio.",
            "vi": "Cỏ dại cao hơn 30 cm, hoặc cây khô có nguy cơ gây cháy.",
            "km": "ស្មៅខ្ពស់ជាង ៣០ សង់ទីម៉ែត្រ ឬរុក្ខជាតិស្ងួតដែលអាចបង្កអគ្គិភ័យ។",
            "hmn": "Nroj siab tshaj 30 cm, los yog nroj qhuav uas yuav ua rau hluav taws kub.",
            "tl": "Damo na higit 30 cm ang taas, o tuyong halaman na maaaring pagmulan ng sunog.",
            "pa": "30 ਸੈਂਟੀਮੀਟਰ ਤੋਂ ਉੱਚਾ ਘਾਹ, ਜਾਂ ਸੁੱਕੀ ਬਨਸਪਤੀ ਜਿਸ ਨਾਲ ਅੱਗ ਦਾ ਖ਼ਤਰਾ ਹੈ।",
        },
    ),
    (
        "EX-8.28.010",
        "general",
        10,
        {"en": "Junk and debris (example)", "es": "Basura y escombros (ejemplo)"},
        {
            "en": "Junk, trash or debris stored in view of the street.",
            "es": "Basura, desechos o escombros a la vista desde la calle.",
        },
    ),
    (
        "EX-10.48.030",
        "general",
        10,
        {"en": "Inoperable vehicle (example)", "es": "Vehículo inservible (ejemplo)"},
        {
            "en": "A wrecked, dismantled or inoperable vehicle stored on the property.",
            "es": "Un vehículo chocado, desarmado o inservible guardado en la propiedad.",
        },
    ),
    (
        "EX-8.32.020",
        "general",
        7,
        {"en": "Graffiti (example)", "es": "Grafiti (ejemplo)"},
        {"en": "Graffiti not removed.", "es": "Grafiti sin quitar."},
    ),
    (
        "EX-8.28.050",
        "general",
        7,
        {"en": "Abandoned furniture (example)", "es": "Muebles abandonados (ejemplo)"},
        {
            "en": "Indoor furniture left outdoors in view of the street.",
            "es": "Muebles de interior dejados afuera a la vista desde la calle.",
        },
    ),
    (
        "EX-15.32.100",
        "building",
        14,
        {
            "en": "Unsecured vacant building (example)",
            "es": "Edificio vacío sin asegurar (ejemplo)",
        },
        {
            "en": "A vacant building with open doors or windows.",
            "es": "Un edificio vacío con puertas o ventanas abiertas.",
        },
    ),
]

OWNERS = {
    "es": ("María López (demo)", "1420 E Fremont St, Stockton, CA 95205"),
    "km": ("សុខ ចាន់ (demo)", "PO Box 881, Stockton, CA 95201"),
    "pa": ("ਗੁਰਪ੍ਰੀਤ ਕੌਰ (demo)", "3310 E Main St, Stockton, CA 95205"),
    "en": ("Robert Hill (demo)", "77 W Acacia St, Stockton, CA 95202"),
}


def _photo(context: DemoContext, label: str) -> FileStorage:
    image = Image.new("RGB", (640, 480), (90, 120, 60))
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = context.rng.randrange(640), context.rng.randrange(480)
        draw.rectangle((x, y, x + 40, y + 25), fill=(context.rng.randrange(60, 200), 80, 40))
    draw.text((20, 20), f"Demo: {label}", fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    return FileStorage(io.BytesIO(buffer.getvalue()), "demo.jpg", content_type="image/jpeg")


def _case(context, officer, violations, language, days_ago, number):
    name, mailing = OWNERS[language]
    case, _created = open_case(
        {
            "address": f"{200 + number * 14} N El Dorado St, Stockton, CA",
            "parcel_number": f"137-150-{number:02d}",
            "observation": "Demo: blight seen from the sidewalk.",
            "latitude": 37.9585 + number * 0.0007,
            "longitude": -121.2905 - number * 0.0005,
            "accuracy_m": 10.0,
        },
        violation_ids=[violation.id for violation in violations],
        party={"name": name, "mailing_address": mailing, "language": language, "kind": "owner"},
        client_uuid=uuid.UUID(int=context.rng.getrandbits(128)),
        author=officer,
        uploads=[_photo(context, name)],
        today=department_today() - timedelta(days=days_ago),
    )
    return case


def _to_citation(case, officer, cited_days_ago: int):
    today = department_today()
    warned = today - timedelta(days=cited_days_ago + 15)
    warn(case, officer, correction_due=warned + timedelta(days=10), today=warned)
    reinspect(
        case,
        officer,
        corrected=False,
        notes="Demo: still there.",
        uploads=[],
        today=today - timedelta(days=cited_days_ago + 1),
    )
    cite(
        case,
        officer,
        violation_ids=[item.violation_id for item in case.violations],
        today=today - timedelta(days=cited_days_ago),
    )


def load_demo_cases(context: DemoContext) -> str:
    admin, senior, officer = (context.users[n] for n in ("admin.demo", "senior.demo", "cso.demo"))
    codebook = [
        save_violation(
            None,
            {
                "code_section": section,
                "schedule": schedule,
                "correction_days": days,
                "lookback_days": 365,
                "titles": titles,
                "descriptions": descriptions,
                "custom_amounts": None,
                "is_example": True,
                "active": True,
            },
            admin,
        )
        for section, schedule, days, titles, descriptions in CODEBOOK
    ]
    weeds, junk, vehicle = codebook[:3]
    today = department_today()
    record_training(
        officer,
        trained_on=today - timedelta(days=400),
        expires_on=None,
        note="Demo: Neighborhood Services training",
        by=senior,
    )
    untrained = create_account("cso2.demo", "Chris Untrained (demo)", "cso", "x" * 16)
    untrained.password_hash = officer.password_hash
    db.session.commit()

    due_today = _case(context, officer, [weeds], "es", 10, 1)
    warn(due_today, officer, correction_due=today, today=today - timedelta(days=10))
    correct_notice(  # version 2 of its warning; version 1 kept, marked superseded
        due_today,
        senior,
        {
            **party_values(due_today),
            "mailing_address": "PO Box 1432, Stockton, CA 95201",
            "notice_details": "Demo: cut the weeds along the front fence to under 12 inches.",
        },
        "Demo: the owner's PO box number was mistyped",
    )
    _case(context, untrained, [junk], "en", 0, 2)  # observed, waiting for a trained CSO
    earlier = _case(context, officer, [weeds, junk], "km", 200, 3)
    _to_citation(earlier, officer, 150)
    record_step(earlier, officer, "paid", on=today - timedelta(days=140))
    awaiting = _case(context, officer, [weeds], "km", 40, 4)  # the same owner: a 2nd citation
    _to_citation(awaiting, officer, 5)
    appeal = _case(context, officer, [vehicle], "pa", 90, 5)
    _to_citation(appeal, officer, 60)
    record_step(appeal, officer, "hearing_requested", on=today - timedelta(days=55))
    record_step(appeal, senior, "order_final", on=today - timedelta(days=20))
    record_step(appeal, officer, "appealed", on=today - timedelta(days=10))
    paid = _case(context, officer, [junk], "es", 60, 6)
    _to_citation(paid, officer, 30)
    record_step(paid, officer, "paid", on=today - timedelta(days=3))
    return "blight citations: 6 example code sections, 6 cases, cso.demo trained, cso2.demo not"
