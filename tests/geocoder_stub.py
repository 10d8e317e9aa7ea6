"""A small Nominatim look-alike on 127.0.0.1 for geocoding tests: real HTTP, real geopy.

It answers /search and /reverse as Nominatim does (format=json or jsonv2) from the places
it is given, records every request, and can fail on demand: HTTP 500, a reply slower than
the client's timeout, or a body that is not JSON. In HELD mode it answers only once the test
calls `release()`, so a test can act while a request waits on the geocoder.
`closed_port_url()` gives an address where nothing listens (connection refused).
"""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tests.ports import reserve_port

OK = "ok"
SERVER_ERROR = "500"
SLOW = "slow"
BAD_JSON = "bad_json"
HELD = "held"


@dataclass
class Place:
    lat: float
    lon: float
    display_name: str
    road: str = ""
    city: str = "Stockton"


@dataclass
class StubRequest:
    path: str
    params: dict
    user_agent: str
    at: float


@dataclass
class NominatimStub:
    places: dict[str, Place] = field(default_factory=dict)  # lower-case query -> place
    mode: str = OK
    slow_seconds: float = 2.0
    requests: list[StubRequest] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)

    def start(self) -> "NominatimStub":
        stub = self

        class Handler(_Handler):
            nominatim = stub

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def release(self) -> None:
        """Let every request held in HELD mode (and any later one) have its answer."""
        self.released.set()

    def wait_for_hit(self, path: str, within: float = 30.0) -> bool:
        """True once a request for `path` has arrived (it may still be held)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.hits(path):
                return True
            time.sleep(0.02)
        return False

    def hits(self, path: str | None = None) -> list[StubRequest]:
        return [request for request in self.requests if path in (None, request.path)]

    def nearest(self, lat: float, lon: float) -> Place | None:
        """The place within about 100 m of the point, as reverse geocoding finds it."""
        for place in self.places.values():
            if abs(place.lat - lat) < 0.001 and abs(place.lon - lon) < 0.001:
                return place
        return None


def closed_port_url() -> str:
    """An address on 127.0.0.1 where nothing listens, and where no other test (in any xdist
    worker) starts listening for a while: see tests/ports.py."""
    return f"http://127.0.0.1:{reserve_port()}"


class _Handler(BaseHTTPRequestHandler):
    nominatim: NominatimStub

    def log_message(self, *args) -> None:  # keep the test output quiet
        pass

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        params = {key: values[-1] for key, values in parse_qs(url.query).items()}
        stub = self.nominatim
        stub.requests.append(
            StubRequest(url.path, params, self.headers.get("User-Agent", ""), time.monotonic())
        )
        if stub.mode == SERVER_ERROR:
            return self._send(500, b"<html>Internal Server Error</html>", "text/html")
        if stub.mode == SLOW:
            time.sleep(stub.slow_seconds)
        if stub.mode == HELD:
            stub.released.wait(timeout=60)
        if stub.mode == BAD_JSON:
            return self._send(200, b"{not json", "application/json")
        if url.path == "/search":
            return self._json(self._search(params))
        if url.path == "/reverse":
            return self._json(self._reverse(params))
        return self._send(404, b"not found", "text/plain")

    def _search(self, params: dict) -> list:
        place = self.nominatim.places.get(params.get("q", "").strip().lower())
        return [_describe(place, params.get("format", "xml"))] if place else []

    def _reverse(self, params: dict) -> dict:
        place = self.nominatim.nearest(float(params["lat"]), float(params["lon"]))
        if place is None:
            return {"error": "Unable to geocode"}
        answer = _describe(place, params.get("format", "xml"))
        answer["address"] = {"road": place.road, "city": place.city, "country_code": "us"}
        return answer

    def _json(self, body) -> None:
        self._send(200, json.dumps(body).encode(), "application/json; charset=utf-8")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its timeout), as real clients do


def _describe(place: Place, output_format: str) -> dict:
    """One result as Nominatim returns it; jsonv2 says "category" where json says "class"."""
    kind = "category" if output_format == "jsonv2" else "class"
    return {
        "place_id": abs(hash(place.display_name)) % 10**8,
        "licence": "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
        "osm_type": "way",
        "osm_id": 12345,
        "lat": f"{place.lat:.7f}",
        "lon": f"{place.lon:.7f}",
        kind: "building",
        "type": "yes",
        "place_rank": 30,
        "importance": 0.1,
        "addresstype": "building",
        "name": "",
        "display_name": place.display_name,
        "boundingbox": [
            f"{place.lat - 0.0001:.7f}",
            f"{place.lat + 0.0001:.7f}",
            f"{place.lon - 0.0001:.7f}",
            f"{place.lon + 0.0001:.7f}",
        ],
    }
