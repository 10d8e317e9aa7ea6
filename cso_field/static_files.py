"""Static files as phones get them: the project's own scripts and stylesheets minified.

The sources in static/js and static/css keep their comments and layout; /static/ serves them
without (rjsmin, rcssmin), which keeps every page's cold load within DESIGN.md's 30 KB gzip
budget. Vendored files (static/vendor/) are served as they are. The minified bytes are made
once per file version and kept in memory; the URL's ?v= is the source's hash (security.py).
"""

import hashlib
import io
from pathlib import Path

import rcssmin
import rjsmin
from flask import Flask, current_app, send_file
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join

MINIFIERS = {".js": rjsmin.jsmin, ".css": rcssmin.cssmin}
MIMETYPES = {".js": "text/javascript", ".css": "text/css"}


def init_app(app: Flask) -> None:
    send_plain = app.view_functions["static"]

    def static(filename: str):
        suffix = Path(filename).suffix
        if suffix not in MINIFIERS or filename.startswith("vendor/"):
            return send_plain(filename=filename)
        data, etag, modified = served_bytes(filename)
        return send_file(
            io.BytesIO(data),
            mimetype=MIMETYPES[suffix],
            etag=etag,
            last_modified=modified,
            max_age=current_app.get_send_file_max_age(filename),
            conditional=True,
        )

    app.view_functions["static"] = static


def served_bytes(filename: str) -> tuple[bytes, str, float]:
    """(the bytes /static/<filename> serves, their ETag, the source's modification time)."""
    path = safe_join(current_app.static_folder, filename)
    if path is None or not Path(path).is_file():
        raise NotFound()
    source = Path(path)
    modified = source.stat().st_mtime
    cache = current_app.extensions.setdefault("minified_static", {})
    key = (filename, modified)
    if key not in cache:
        suffix = source.suffix
        data = source.read_bytes()
        if suffix in MINIFIERS and not filename.startswith("vendor/"):
            data = MINIFIERS[suffix](data.decode("utf-8")).encode("utf-8")
        cache[key] = (data, hashlib.sha256(data).hexdigest()[:16])
    data, etag = cache[key]
    return data, etag, modified
