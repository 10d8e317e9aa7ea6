from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SubmitField

from cso_field.forms import BaseForm

MAX_FILE_BYTES = 5 * 1024 * 1024


class DistrictUploadForm(BaseForm):
    geojson = FileField(
        _l("District boundaries (GeoJSON file)"),
        description=_l(
            "A FeatureCollection of Polygon or MultiPolygon features in longitude/latitude "
            '(WGS 84), each with a "name", "district" or "beat" property. At most 5 MB. '
            "The upload replaces every current district."
        ),
        validators=[FileRequired(message=_l("Choose a GeoJSON file to upload."))],
    )
    submit = SubmitField(_l("Upload districts"))
