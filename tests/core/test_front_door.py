"""The front door: an anonymous visitor at / gets a resident home page in the phone's
language; staff still go to Today."""

from html.parser import HTMLParser

import pytest

from cso_field.i18n import RESIDENT_LANGUAGES


class Links(HTMLParser):
    """Every link's href and every option of the page's language choice (select name=lang)."""

    def __init__(self):
        super().__init__()
        self.hrefs, self.options = [], []
        self.in_language_choice = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a":
            self.hrefs.append(attributes.get("href"))
        if tag == "select":
            self.in_language_choice = attributes.get("name") == "lang"
        if tag == "option" and self.in_language_choice:
            self.options.append(attributes["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self.in_language_choice = False


def links_in(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


def test_a_khmer_phone_gets_the_front_door_in_khmer(client):
    response = client.get("/", headers={"Accept-Language": "km-KH,km;q=0.9,en;q=0.5"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="km"' in html
    assert "តើយើងអាចជួយអ្វីដល់លោកអ្នកបាន?" in html  # How can we help you?
    assert "ស្នើសុំការត្រួតពិនិត្យពិសេស" in html  # Request a special check
    assert "/check-request/?lang=km" in links_in(html).hrefs
    assert "911" in html
    assert "Accept-Language" in response.headers["Vary"]


def test_the_lang_argument_wins_over_the_phone(client):
    response = client.get("/?lang=es", headers={"Accept-Language": "km"})
    html = response.get_data(as_text=True)
    assert '<html lang="es"' in html
    assert "¿Cómo podemos ayudarle?" in html
    assert "/check-request/?lang=es" in links_in(html).hrefs
    assert "En caso de emergencia, llame al 911." in html


@pytest.mark.parametrize(
    "query, accept",
    [("?lang=xx", "de-DE,de;q=0.9"), ("", "de-DE,fr;q=0.8"), ("?lang=<b>", "")],
)
def test_an_unsupported_language_falls_back_to_english(client, query, accept):
    html = client.get(f"/{query}", headers={"Accept-Language": accept}).get_data(as_text=True)
    assert '<html lang="en"' in html
    assert "How can we help you?" in html
    assert "/check-request/?lang=en" in links_in(html).hrefs


def test_a_filipino_phone_gets_tagalog(client):
    html = client.get("/", headers={"Accept-Language": "fil-PH"}).get_data(as_text=True)
    assert '<html lang="tl"' in html
    assert "/check-request/?lang=tl" in links_in(html).hrefs


def test_the_language_choice_is_one_select_of_every_resident_language(client):
    html = client.get("/?lang=hmn").get_data(as_text=True)
    links = links_in(html)
    assert sorted(links.options) == sorted(RESIDENT_LANGUAGES)
    assert '<option value="hmn" lang="hmn" selected>Hmoob</option>' in html
    # One control, not a link per language.
    assert not [href for href in links.hrefs if href and href.startswith("/?lang=")]


def test_staff_can_find_their_sign_in_from_the_front_door(client):
    for code, words in (("es", "Acceso para el personal"), ("km", "ការចូលសម្រាប់បុគ្គលិក")):
        html = client.get(f"/?lang={code}").get_data(as_text=True)
        assert "/login" in links_in(html).hrefs
        assert words in html  # in the resident's language, not an English link on a Khmer page


def test_staff_still_go_to_today(client, users, login):
    login(users.cso())
    for query in ("", "?lang=km"):
        response = client.get(f"/{query}", headers={"Accept-Language": "km"})
        assert response.status_code == 302
        assert response.location.endswith("/today")


def test_the_request_form_uses_the_same_compact_language_choice(client):
    html = client.get("/check-request/?lang=vi").get_data(as_text=True)
    links = links_in(html)
    assert sorted(links.options) == sorted(RESIDENT_LANGUAGES)
    assert '<option value="vi" lang="vi" selected>' in html
    assert not [h for h in links.hrefs if h and "/check-request/?lang=" in h]


def test_the_language_choice_keeps_the_page_s_other_arguments(client):
    html = client.get("/?lang=es&from=poster").get_data(as_text=True)
    assert '<input type="hidden" name="from" value="poster">' in html
    assert 'name="lang"' in html
