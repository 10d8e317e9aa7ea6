from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cso_field import audit
from cso_field.districts.forms import MAX_FILE_BYTES, DistrictUploadForm
from cso_field.districts.services import (
    DistrictFileError,
    district_name,
    list_districts,
    parse_geojson,
    replace_districts,
)
from cso_field.extensions import db
from cso_field.roles import Role, roles

bp = Blueprint("districts", __name__, url_prefix="/districts")
bp.add_app_template_global(district_name)


@bp.route("/", methods=["GET", "POST"])
@roles(Role.ADMIN)
def index():
    form = DistrictUploadForm()
    if request.method == "GET":
        return _page(form)
    if form.validate():
        try:
            parsed = parse_geojson(_read_upload(form.geojson.data))
        except DistrictFileError as error:
            form.geojson.errors.append(error.message)
        else:
            districts = replace_districts(parsed)
            audit.record(
                "districts.upload", object_type="district", detail=f"{len(districts)} districts"
            )
            db.session.commit()
            flash(_("%(count)d districts uploaded.", count=len(districts)), "success")
            return redirect(url_for("districts.index"), 303)
    return _page(form), 422


def _page(form: DistrictUploadForm) -> str:
    return render_template("districts/index.html", form=form, districts=list_districts())


def _read_upload(upload) -> bytes:
    data = upload.stream.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise DistrictFileError(
            _l(
                "The file is larger than %(megabytes)d MB. Simplify the boundaries and try again.",
                megabytes=MAX_FILE_BYTES // (1024 * 1024),
            )
        )
    return data
