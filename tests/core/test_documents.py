"""PDFs: complex scripts shaped with real fonts, images from storage, nothing from the network."""

import http.server
import io
import threading

import pytest
from PIL import Image
from pypdf import PdfReader

from cso_field.documents import DocumentFetchRefused, fetch, html_to_pdf, pdf_response, storage_url
from cso_field.storage import get_storage

KHMER = "ការជូនដំណឹងអំពីការពិន័យ"
PUNJABI = "ਪ੍ਰਸ਼ਾਸਕੀ ਜੁਰਮਾਨਾ"


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def font_names(content: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def document(body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<link rel="stylesheet" href="/static/css/print.css"></head>'
        f'<body class="document document-pdf">{body}</body></html>'
    )


def without_spaces(text: str) -> str:
    return "".join(text.split())


def test_khmer_and_punjabi_are_shaped_with_noto_fonts(app):
    body = f'<p lang="km">{KHMER}</p><p lang="pa">{PUNJABI}</p><p>Fine $100.00</p>'
    with app.test_request_context():
        rendered = html_to_pdf(document(body))

    text = without_spaces(pdf_text(rendered.content))
    assert without_spaces(KHMER) in text
    assert without_spaces(PUNJABI) in text
    assert "Fine$100.00" in text
    fonts = " ".join(font_names(rendered.content)).replace("-", "")
    assert "NotoSansKhmer" in fonts and "NotoSansGurmukhi" in fonts
    assert rendered.seconds > 0


def test_an_image_from_storage_is_embedded(app):
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(picture, "JPEG")
    with app.test_request_context():
        get_storage().put("documents-test/red.jpg", picture.getvalue())
        rendered = html_to_pdf(document(f'<img src="{storage_url("documents-test/red.jpg")}">'))

    pages = PdfReader(io.BytesIO(rendered.content)).pages
    assert [image.image.size for page in pages for image in page.images] == [(40, 30)]


@pytest.fixture
def web_server():
    """A local web server that counts the requests it gets."""
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", requests
    server.shutdown()


def test_a_document_cannot_make_the_server_fetch_an_address(app, web_server):
    address, requests = web_server
    body = f'<img src="{address}/img.png"><link rel="stylesheet" href="{address}/x.css">'
    with app.test_request_context():
        rendered = html_to_pdf(document(body + "<p>still rendered</p>"))
        refused = (f"{address}/x", "file:///etc/passwd", "http://document.invalid/static/../app.py")
        for url in refused:
            with pytest.raises(DocumentFetchRefused):
                fetch(url)

    assert requests == []
    assert "still rendered" in pdf_text(rendered.content)


def test_a_pdf_response_is_inline_and_never_cached(app):
    with app.test_request_context():
        response = pdf_response(b"%PDF-1.7", "notice.pdf")
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'inline; filename="notice.pdf"'
    assert "no-store" in response.headers["Cache-Control"]
