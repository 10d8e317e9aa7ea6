"""The resident's request form: required fields first, the optional details folded behind
one control that opens by itself when one of them needs fixing."""

import re

from tests.factories import FORM, checks_saved, page, resident_text, spanish_request

FOLDED = (
    "emergency_contact_name",
    "notify_emergency_contact",
    "alarm_company",
    "vehicles",
    "lights_on_timers",
    "pets",
    "expected_visitors",
    "instructions",
)
REQUIRED = ("requester_name", "phone", "email", "address", "start_date", "end_date")
SUMMARY = "More details (optional): emergency contact, alarm, vehicles, pets, visitors"


def _details(text: str) -> str:
    """The opening tag and content of the one <details> on the form."""
    found = re.findall(r"<details[^>]*>.*?</details>", text, flags=re.S)
    assert len(found) == 1
    return found[0]


def test_the_optional_details_are_folded_after_the_required_fields(app, client):
    text = page(client.get(f"{FORM}?lang=es"))
    details = _details(text)
    assert details.startswith('<details class="more-details">')  # closed
    assert resident_text(app, "es", SUMMARY) in details
    for name in FOLDED:
        assert f'name="{name}"' in details, name
    for name in REQUIRED:
        assert f'name="{name}"' not in details, name
        assert text.index(f'name="{name}"') < text.index("<details"), name


def test_a_folded_field_with_an_error_opens_the_details(app, client):
    response = client.post(f"{FORM}?lang=es", data=spanish_request(pets="x" * 501))
    assert response.status_code == 422
    details = _details(page(response))
    assert details.startswith('<details class="more-details" open>')
    assert 'value="' + "x" * 501 + '"' in details
    assert checks_saved() == 0


def test_an_error_in_a_required_field_leaves_the_details_folded(client):
    response = client.post(f"{FORM}?lang=es", data=spanish_request(requester_name=""))
    assert response.status_code == 422
    assert _details(page(response)).startswith('<details class="more-details">')
