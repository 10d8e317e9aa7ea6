"""Search finds the same records on SQLite and PostgreSQL (the suite runs on both in CI).

Each record type's text is served by its index (cso_field/text_search.py): these tests go
through the Search screen as an officer would, and write records through the app's own
routes and services, so the index is kept in step by what really writes.
"""

import re
import unicodedata

import pytest
from sqlalchemy import select, text

from cso_field.extensions import db
from cso_field.field_notes.models import FieldNote
from cso_field.records.registry import SEARCH_PROVIDERS
from cso_field.text_search import index_table, parts
from cso_field.timeutil import utcnow
from tests.factories import STOCKTON, make_check, post_note

NOTES = {
    "gate": "Nguyễn Văn Đức reported a broken gate",
    "wildcards": "lights_out on 100% of the block",
    "lookalike": "lightsXout on 1000 Main",
    "spanish": "Graffiti en la esquina de la Peña",
}
CHECKS = {
    "alvarez": {"requester_name": "JOSÉ ÁLVAREZ", "address": "12 Oak St"},
    "ly": {"requester_name": "Mai Ly", "address": "88 Pacific Ave"},
    "ruiz": {"requester_name": "Ana Ruiz", "address": "425 N El Dorado St"},
}


@pytest.fixture
def officer(users, login):
    return login(users.cso())


@pytest.fixture
def references(officer):
    """The reference of each record above, by its key."""
    found = {}
    for key, observation in NOTES.items():
        note_id = post_note(officer, observation=observation, address="1 Test Way")
        found[key] = db.session.get(FieldNote, note_id).reference
    for key, fields in CHECKS.items():
        found[key] = make_check(**fields).reference
    return found


def _found(client, query: str) -> set[str]:
    response = client.get("/search/", query_string={"q": query})
    assert response.status_code == 200
    return set(re.findall(r'<strong class="ref">([^<]+)</strong>', response.get_data(as_text=True)))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Any case, ASCII or not.
        ("GRAFFITI", {"spanish"}),
        ("josé álvarez", {"alvarez"}),
        ("ÁLVAREZ", {"alvarez"}),
        ("nguyễn văn", {"gate"}),
        ("NGUYỄN VĂN ĐỨC", {"gate"}),
        ("đức", {"gate"}),
        ("PEÑA", {"spanish"}),
        # Accents count: Jose is another name than José.
        ("Jose", set()),
        # % and _ are characters, not wildcards.
        ("100%", {"wildcards"}),
        ("s_o", {"wildcards"}),
        ("1%0", set()),
        ("%%%", set()),
        ("___", set()),
        # Words may be in any order and any field; a short word stays with its neighbour.
        ("gate broken", {"gate"}),
        ("oak josé", {"alvarez"}),
        ("Mai Ly", {"ly"}),
        ("ly pacific", set()),
        ("Pacific Ly", set()),
        ("Ana Ruiz El Dorado", {"ruiz"}),
        # By reference, in any case.
        ("fn-", {"gate", "wildcards", "lookalike", "spanish"}),
        ('"quoted"', set()),
    ],
)
def test_search_finds_by_any_case_literal_characters_and_words(
    officer, references, query, expected
):
    assert _found(officer, query) == {references[key] for key in expected}


def test_letters_typed_decomposed_find_the_composed_ones(officer, references):
    decomposed = unicodedata.normalize("NFD", "Nguyễn Văn Đức")
    assert decomposed != "Nguyễn Văn Đức"
    assert _found(officer, decomposed) == {references["gate"]}


def test_a_reference_is_found_whole_or_in_part(officer, references):
    assert _found(officer, references["alvarez"].lower()) == {references["alvarez"]}
    assert references["gate"] in _found(officer, references["gate"][-6:])


def test_fewer_than_three_characters_asks_for_more_and_searches_nothing(officer, references):
    for query in ("Ly", "đỗ", " a ", "ab"):
        page = officer.get("/search/", query_string={"q": query}).get_data(as_text=True)
        assert "Type at least 3 characters" in page, query
        assert _found(officer, query) == set()
    # Three characters with the space: searched ("reported a broken gate").
    assert _found(officer, "a b") == {references["gate"]}


def test_parts_keep_short_words_with_their_neighbour():
    assert parts("  Mai   Ly  ") == ["Mai Ly"]
    assert parts("Ly Vang Pacific") == ["Ly Vang", "Pacific"]
    assert parts("Ana Ruiz N El Dorado St") == ["Ana", "Ruiz", "N El Dorado St"]
    assert parts("a b") == ["a b"]


def test_a_deleted_record_is_not_found_even_by_an_admin(app, officer, references, users, login):
    note = db.session.scalars(select(FieldNote).filter_by(reference=references["gate"])).one()
    deleted = officer.post(
        f"/records/field_note/{note.id}/delete", data={"reason": "Entered twice"}
    )
    assert deleted.status_code == 303
    check = make_check(requester_name="Deleted Requester", deleted_at=utcnow())
    make_check(requester_name="Kept Requester")

    admin = login(users.admin(), test_client=app.test_client())
    for client in (officer, admin):
        assert _found(client, "broken gate") == set()
        assert check.reference not in _found(client, "Requester")
        assert len(_found(client, "Requester")) == 1


def test_an_edit_is_found_by_its_new_words_only(officer, references):
    note = db.session.scalars(select(FieldNote).filter_by(reference=references["spanish"])).one()
    edited = officer.post(
        f"/notes/{note.id}/edit",
        data={"observation": "Pintadas en el muro", "address": "1 Test Way", **STOCKTON},
    )
    assert edited.status_code == 303
    assert _found(officer, "pintadas") == {note.reference}
    assert _found(officer, "Peña") == set()

    other = db.session.scalars(select(FieldNote).filter_by(reference=references["gate"])).one()
    other.address = "500 Weber Ave"
    db.session.commit()
    assert _found(officer, "weber") == {other.reference}


def test_a_deleted_check_brought_back_is_found_again(officer):
    check = make_check(requester_name="Restored Person", deleted_at=utcnow())
    assert _found(officer, "restored") == set()
    check.deleted_at = None
    db.session.commit()
    assert _found(officer, "restored") == {check.reference}


def test_search_is_for_staff_signed_in(app, references):
    response = app.test_client().get("/search/", query_string={"q": "gate"})
    assert response.status_code == 302 and "/login" in response.location


def test_search_shows_at_most_a_page_per_record_type(officer):
    for number in range(23):
        make_check(requester_name=f"Many Person {number}")
    assert len(_found(officer, "many person")) == 20
    # Newest first: the last three made are on the page, the first three are not.
    page = officer.get("/search/", query_string={"q": "many person"}).get_data(as_text=True)
    assert "Many Person 22<" in page and "Many Person 3<" in page
    assert "Many Person 2<" not in page and "Many Person 0<" not in page


def test_every_searchable_model_has_its_index(app):
    """A new record type gets search by declaring `search_fields` and the migration that
    builds its index; without the migration this test fails."""
    models = [mapper.class_ for mapper in db.Model.registry.mappers]
    searchable = [model for model in models if getattr(model, "search_fields", ())]
    assert {model.__tablename__ for model in searchable} >= {*SEARCH_PROVIDERS, "audit_event"}
    connection = db.session.connection()
    for model in searchable:
        name = index_table(model.__tablename__)
        if connection.dialect.name == "postgresql":
            definition = connection.scalar(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"),
                {"name": f"ix_{name}"},
            )
            assert definition and "gin_trgm_ops" in definition, model
            assert all(field in definition for field in model.search_fields), model
        else:
            columns = [row[1] for row in connection.execute(text(f"PRAGMA table_info({name})"))]
            assert tuple(columns) == model.search_fields, model
