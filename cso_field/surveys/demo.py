"""Demo surveys for `seed-demo`: the door-to-door safety survey in English, Spanish and
Vietnamese, and cso.demo's canvass in progress with a door of each outcome."""

import uuid

from cso_field.demo import DemoContext
from cso_field.neighborhood_watch.services import Interest
from cso_field.surveys.models import ContactOutcome
from cso_field.surveys.questionnaire import ChoiceDef, QuestionDef, SurveyDefinition
from cso_field.surveys.services import record_contact, save_survey, start_canvass


def _texts(en: str, es: str, vi: str) -> dict:
    return {"en": en, "es": es, "vi": vi}


YES_NO = [
    ChoiceDef("yes", _texts("Yes", "Sí", "Có")),
    ChoiceDef("no", _texts("No", "No", "Không")),
]
CONCERNS = [
    ChoiceDef("speeding", _texts("Speeding", "Exceso de velocidad", "Chạy quá tốc độ")),
    ChoiceDef("lighting", _texts("Street lighting", "Alumbrado público", "Đèn đường")),
    ChoiceDef("dumping", _texts("Illegal dumping", "Basura tirada", "Đổ rác bất hợp pháp")),
]
DEMO_SURVEY = SurveyDefinition(
    title=_texts(
        "Demo: neighborhood safety survey",
        "Demo: encuesta de seguridad del vecindario",
        "Demo: khảo sát an toàn khu phố",
    ),
    form_id="demo_safety",
    languages=["en", "es", "vi"],
    questions=[
        QuestionDef(
            "people",
            "integer",
            _texts(
                "How many people live here?",
                "¿Cuántas personas viven aquí?",
                "Có bao nhiêu người sống ở đây?",
            ),
            required=True,
            constraint=". >= 1 and . <= 30",
            constraint_message=_texts("Between 1 and 30", "Entre 1 y 30", "Từ 1 đến 30"),
        ),
        QuestionDef(
            "feel_safe",
            "yes_no",
            _texts(
                "Do you feel safe in your neighborhood?",
                "¿Se siente seguro en su vecindario?",
                "Quý vị có cảm thấy an toàn trong khu phố không?",
            ),
            required=True,
            list_name="yes_no",
            choices=YES_NO,
        ),
        QuestionDef(
            "why_unsafe",
            "text",
            _texts(
                "What makes you feel unsafe?",
                "¿Qué le hace sentir inseguro?",
                "Điều gì khiến quý vị cảm thấy không an toàn?",
            ),
            relevant_question="feel_safe",
            relevant_value="no",
        ),
        QuestionDef(
            "concerns",
            "select_multiple",
            _texts("Top concerns", "Principales preocupaciones", "Mối quan tâm hàng đầu"),
            list_name="concerns",
            choices=CONCERNS,
        ),
    ],
)
# The Spanish-speaking resident of 105 who asked to join Neighborhood Watch at the door.
DOOR_INTEREST = {
    "Demo: 105 N Hunter St": Interest(
        "Demo: Carmen Flores", "209-555-0163", None, "es", True, False
    )
}
# (address, outcome, language, answers)
DOORS = (
    ("Demo: 101 N Hunter St", ContactOutcome.NO_ANSWER, "en", {}),
    ("Demo: 103 N Hunter St", ContactOutcome.DECLINED, "en", {}),
    (
        "Demo: 105 N Hunter St",
        ContactOutcome.COMPLETED,
        "es",
        {"people": ["4"], "feel_safe": ["yes"], "concerns": ["speeding"]},
    ),
    (
        "Demo: 107 N Hunter St",
        ContactOutcome.COMPLETED,
        "vi",
        {
            "people": ["2"],
            "feel_safe": ["no"],
            "why_unsafe": ["Xe chạy nhanh ban đêm"],
            "concerns": ["speeding", "lighting"],
        },
    ),
    ("Demo: 109 N Hunter St", ContactOutcome.COME_BACK, "en", {}),
    ("Demo: 111 N Hunter St", ContactOutcome.VACANT, "en", {}),
)


def load_demo_surveys(context: DemoContext) -> str:
    cso, senior = context.users["cso.demo"], context.users["senior.demo"]
    survey = save_survey(DEMO_SURVEY, senior)
    canvass, _created = start_canvass(
        survey, "Demo: N Hunter St, 100 block", cso, uuid.UUID(int=context.rng.getrandbits(128))
    )
    for address, outcome, language, answers in DOORS:
        record_contact(
            canvass,
            cso,
            outcome=outcome.value,
            location={"latitude": None, "longitude": None, "accuracy_m": None, "address": address},
            language=language,
            form=answers,
            client_uuid=uuid.UUID(int=context.rng.getrandbits(128)),
            uploads=[],
            watch=DOOR_INTEREST.get(address),
        )
    return (
        f"1 demo survey in English, Spanish and Vietnamese by senior.demo; cso.demo's canvass "
        f"in progress with {len(DOORS)} doors (every outcome, one to come back to, one "
        f"Neighborhood Watch sign-up made at a door)."
    )
