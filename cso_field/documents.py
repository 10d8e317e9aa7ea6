"""PDFs rendered from the same Jinja templates as the print pages.

WeasyPrint lays text out with Pango and HarfBuzz, so Khmer and Gurmukhi are shaped with real
fonts (Debian's fonts-noto-core; `static/css/print.css` names the font stack). The renderer
fetches nothing from the network: a document may refer only to

- `/static/...`: files from the app's static folder (the print stylesheet),
- `storage:<key>`: a file from the app's storage (a photo's display copy),
- `data:` URIs,

and any other URL is refused, so a resident's text cannot make the server fetch an address.
WeasyPrint is imported where it is used: it loads Pango when imported, and only PDFs need it.
"""

import mimetypes
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask import Response, current_app, render_template

from cso_field.storage import StorageError, get_storage

STORAGE_SCHEME = "storage:"
PDF_MIMETYPE = "application/pdf"


class DocumentFetchRefused(ValueError):
    """The document referred to a URL outside static files, storage and data URIs."""


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    seconds: float


def storage_url(key: str) -> str:
    """The URL a document template uses for a file in the app's storage."""
    return f"{STORAGE_SCHEME}{key}"


# Relative URLs in a document resolve against this address, which is never fetched.
DOCUMENT_BASE_URL = "http://document.invalid/"


def _static_file(path: str) -> tuple[bytes, str]:
    static_root = Path(current_app.static_folder or "").resolve()
    relative = path.removeprefix(current_app.static_url_path or "/static").lstrip("/")
    file_path = (static_root / relative).resolve()
    if static_root not in file_path.parents or not file_path.is_file():
        raise DocumentFetchRefused(path)
    mime_type, _ = mimetypes.guess_type(file_path.name)
    return file_path.read_bytes(), mime_type or "application/octet-stream"


def _storage_file(key: str) -> tuple[bytes, str]:
    try:
        content = get_storage().read(key)
    except (StorageError, ValueError) as error:
        raise DocumentFetchRefused(key) from error
    mime_type, _ = mimetypes.guess_type(key)
    return content, mime_type or "image/jpeg"


def fetch(url: str) -> tuple[bytes, str]:
    """The content and media type of a URL a document may use; DocumentFetchRefused for others."""
    if url.startswith(STORAGE_SCHEME):
        return _storage_file(url.removeprefix(STORAGE_SCHEME))
    parts = urlsplit(url)
    static_prefix = (current_app.static_url_path or "/static") + "/"
    if url.startswith(DOCUMENT_BASE_URL) and parts.path.startswith(static_prefix):
        return _static_file(parts.path)
    raise DocumentFetchRefused(url)


def _fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class DocumentFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            content, mime_type = fetch(url)
            return URLFetcherResponse(url, content, {"Content-Type": mime_type})

    return DocumentFetcher(allowed_protocols={"data"})


def html_to_pdf(html: str) -> RenderedPdf:
    """PDF bytes of an HTML document; `seconds` is the time WeasyPrint took."""
    from weasyprint import HTML

    started = time.perf_counter()
    document = HTML(string=html, base_url=DOCUMENT_BASE_URL, url_fetcher=_fetcher())
    content = document.write_pdf()
    return RenderedPdf(content=content, seconds=time.perf_counter() - started)


def render_pdf(template: str, **context) -> RenderedPdf:
    """Render a print template (one extending documents/base.html) to a PDF."""
    return html_to_pdf(render_template(template, pdf=True, **context))


def pdf_response(rendered: RenderedPdf | bytes, filename: str) -> Response:
    """A PDF shown in the browser's viewer, saved under `filename`, never cached."""
    content = rendered.content if isinstance(rendered, RenderedPdf) else rendered
    response = Response(content, mimetype=PDF_MIMETYPE)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
