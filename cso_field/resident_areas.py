"""URLs residents use without an account, registered by the record types that serve them.

The error pages read this (cso_field.errors) to answer a resident in the resident's language;
record types register through cso_field.records.registry. It imports nothing of the app, so
every core module may read it.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ResidentArea:
    """URLs residents use without an account: their error pages speak the resident's language.

    `language()` names the page's resident language; `form_endpoint` is where the error pages
    lead back to (it takes `lang`); `expired_form(language)`, if given, answers an expired
    form sent to `form_endpoint` by showing it again with what the resident typed.
    """

    url_prefix: str
    form_endpoint: str
    language: Callable[[], str]
    expired_form: Callable[[str], tuple] | None = None


RESIDENT_AREAS: dict[str, ResidentArea] = {}


def register_resident_area(area: ResidentArea) -> None:
    RESIDENT_AREAS[area.url_prefix] = area


def resident_area_for(path: str, anonymous: bool) -> ResidentArea | None:
    """The resident area `path` is in; the start page counts for anonymous visitors."""
    for prefix, area in RESIDENT_AREAS.items():
        if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
            return area
    if anonymous and path == "/" and RESIDENT_AREAS:
        return next(iter(RESIDENT_AREAS.values()))
    return None
