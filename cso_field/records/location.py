"""Where a record was made: the form fields every record form shares, and copying them over."""

import math

from flask import request
from flask_babel import lazy_gettext as _l
from wtforms import FloatField, StringField
from wtforms.validators import Length
from wtforms.widgets import HiddenInput

from cso_field.forms import BaseForm
from cso_field.geo import ACCURACY, LATITUDE_RANGE, LONGITUDE_RANGE, NOT_FINITE, CoordinateError
from cso_field.geo import validate_coordinates as check_coordinates

ADDRESS_MAX_LENGTH = 300
# No real fix is vaguer than the Earth is wide; larger numbers are garbage (and too big
# for the page to format).
MAX_ACCURACY_M = 40_075_000
_TRY_AGAIN = _l("Tap “Use my location” again, or type the address.")

COORDINATE_MESSAGES = {
    LATITUDE_RANGE: _l("The location is not usable: latitude must be between -90 and 90."),
    LONGITUDE_RANGE: _l("The location is not usable: longitude must be between -180 and 180."),
    NOT_FINITE: _l("The location is not usable: it must be ordinary numbers."),
    ACCURACY: _l("The location is not usable: its accuracy must be more than 0 metres."),
}


class CoordinateField(FloatField):
    """A number the page's script fills in; empty means "not given"."""

    widget = HiddenInput()

    def process_formdata(self, valuelist):
        raw = valuelist[0].strip() if valuelist else ""
        if not raw:
            self.data = None
            return
        try:
            self.data = float(raw)
        except ValueError:
            self.data = None
            raise ValueError(COORDINATE_MESSAGES[NOT_FINITE]) from None


class LocationFields(BaseForm):
    """Latitude, longitude, accuracy and address; subclass it in a record's form.

    Render with `{% include "records/_location_fields.html" %}` (it uses `form`). Set
    `location_required = False` on a form where a record may have no location at all.
    """

    location_required = True

    latitude = CoordinateField(_l("Latitude"))
    longitude = CoordinateField(_l("Longitude"))
    accuracy_m = CoordinateField(_l("Location accuracy (metres)"))
    address = StringField(
        _l("Address"),
        description=_l("Street address, or the nearest intersection or landmark."),
        validators=[
            Length(
                max=ADDRESS_MAX_LENGTH,
                message=_l("An address has at most %(max)d characters.", max=ADDRESS_MAX_LENGTH),
            )
        ],
    )

    def validate(self, extra_validators=None) -> bool:
        fields_valid = super().validate(extra_validators)
        return self._validate_location() and fields_valid

    def _validate_location(self) -> bool:
        if self.latitude.errors or self.longitude.errors or self.accuracy_m.errors:
            return False
        lat, lon, accuracy = self.latitude.data, self.longitude.data, self.accuracy_m.data
        if (lat is None) != (lon is None):
            message = _l("The location is incomplete: it needs both latitude and longitude.")
            self.latitude.errors.append(f"{message} {_TRY_AGAIN}")
            return False
        if accuracy is not None and not (
            math.isfinite(accuracy) and 0 < accuracy <= MAX_ACCURACY_M
        ):
            code = ACCURACY if math.isfinite(accuracy) and accuracy <= 0 else NOT_FINITE
            self.accuracy_m.errors.append(f"{COORDINATE_MESSAGES[code]} {_TRY_AGAIN}")
            return False
        if lat is not None:
            try:
                check_coordinates(lat, lon, accuracy)
            except CoordinateError as error:
                field = self.longitude if error.code == LONGITUDE_RANGE else self.latitude
                field.errors.append(f"{COORDINATE_MESSAGES[error.code]} {_TRY_AGAIN}")
                return False
        if self.location_required and lat is None and not self.address.data:
            self.address.errors.append(
                _l("Give a location or an address: tap “Use my location” or type the address.")
            )
            return False
        return True

    @property
    def location_errors(self) -> list[str]:
        """Errors of the hidden inputs, shown beside the "Use my location" button."""
        return [*self.latitude.errors, *self.longitude.errors, *self.accuracy_m.errors]


def apply_location(form: LocationFields, record) -> None:
    """Copy a validated form's location onto a record (`districts.services.locate()`
    completes a location before the record is written)."""
    lat, lon = form.latitude.data, form.longitude.data
    has_point = lat is not None and lon is not None
    record.latitude = round(lat, 7) if has_point else None
    record.longitude = round(lon, 7) if has_point else None
    accuracy = form.accuracy_m.data
    record.accuracy_m = round(accuracy, 1) if has_point and accuracy is not None else None
    record.address = form.address.data or None


def position_arg() -> tuple[float | None, float | None]:
    """?lat=&lon= of a list page (the phone's position), or (None, None) when either is
    missing or impossible."""
    latitude = request.args.get("lat", type=float)
    longitude = request.args.get("lon", type=float)
    if latitude is None or longitude is None:
        return None, None
    try:
        check_coordinates(latitude, longitude)
    except CoordinateError:
        return None, None
    return latitude, longitude
