"""Export profiles: which personal data each one keeps.

Every exported field declares the kind of personal data it holds (records.registry.Personal).
A profile drops the fields of the kinds it withholds, and in the public records profile the
officers' and residents' own words are kept with phone numbers, email addresses and positions
blotted out (a free text can hold any of them).
"""

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from cso_field.records.registry import ExportField, Personal

INTERNAL, AGENCY, PUBLIC = "internal", "agency", "public"

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PHONE = re.compile(r"(?<!\d)(\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\d)")
COORDINATE = re.compile(r"-?\d{1,3}\.\d{3,}")
REDACTED = "[redacted]"


@dataclass(frozen=True)
class Profile:
    name: str
    label: object
    withheld: frozenset  # Personal kinds whose fields are dropped
    scrub_text: bool = False  # blot contact details and positions out of free text


PROFILES = {
    INTERNAL: Profile(INTERNAL, _l("Internal (all fields)"), frozenset()),
    AGENCY: Profile(AGENCY, _l("Agency to agency"), frozenset({Personal.JUVENILE})),
    PUBLIC: Profile(
        PUBLIC,
        _l("Public records request"),
        frozenset(
            {
                Personal.JUVENILE,
                Personal.BIRTH_DATE,
                Personal.PHONE,
                Personal.EMAIL,
                Personal.COORDINATE,
                Personal.PHOTO,
                Personal.NAME,
            }
        ),
        scrub_text=True,
    ),
}


def kept_fields(fields: tuple[ExportField, ...], profile: Profile) -> list[ExportField]:
    return [item for item in fields if item.personal not in profile.withheld]


def scrub(text: str) -> str:
    """Free text without email addresses, phone numbers or coordinates."""
    for pattern in (EMAIL, PHONE, COORDINATE):
        text = pattern.sub(REDACTED, text)
    return text
