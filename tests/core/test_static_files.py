"""The project's scripts and stylesheets are served minified (cso_field/static_files.py):
smaller, without comments, still cacheable and versioned; vendored files go out as they are."""

import gzip
from pathlib import Path

from cso_field.htmx import HTMX_VERSION

STATIC = Path(__file__).resolve().parents[2] / "static"


def test_own_scripts_and_styles_are_served_minified(client):
    for name in ("js/outbox.js", "js/app.js", "css/app.css"):
        source = (STATIC / name).read_bytes()
        served = client.get(f"/static/{name}")
        assert served.status_code == 200, name
        assert len(gzip.compress(served.data)) < len(gzip.compress(source)), name
        assert b"\n//" not in served.data and b"/*" not in served.data, name
    script = client.get("/static/js/outbox.js")
    assert script.mimetype == "text/javascript"
    assert b"data-outbox" in script.data and b"indexedDB" in script.data
    assert client.get("/static/css/app.css").mimetype == "text/css"


def test_minified_files_answer_conditional_requests(client):
    first = client.get("/static/js/outbox.js")
    assert first.headers["ETag"]
    again = client.get("/static/js/outbox.js", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_vendored_and_other_files_are_served_as_they_are(client):
    name = f"vendor/htmx-{HTMX_VERSION}.min.js"
    assert client.get(f"/static/{name}").data == (STATIC / name).read_bytes()
    assert client.get("/static/icon.svg").data == (STATIC / "icon.svg").read_bytes()


def test_no_file_outside_the_static_folder(client):
    assert client.get("/static/js/nothing-here.js").status_code == 404
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/static/js/..%2F..%2Fapp.py").status_code == 404
