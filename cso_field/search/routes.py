from flask import Blueprint, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from cso_field.htmx import render
from cso_field.records.registry import SEARCH_PROVIDERS
from cso_field.roles import staff
from cso_field.text_search import MIN_LENGTH, is_too_short

bp = Blueprint("search", __name__, url_prefix="/search")

MAX_LENGTH = 100
LIMIT_PER_TYPE = 20


@bp.get("/")
@staff
def index():
    text = request.args.get("q", "").strip()
    problem = None
    hits = []
    if len(text) > MAX_LENGTH:
        problem = _l("Search for at most %(max)d characters.", max=MAX_LENGTH)
    elif any(ord(character) < 32 for character in text):
        problem = _l("Remove the invisible control characters from this field.")
    elif not is_too_short(text):
        for provider in SEARCH_PROVIDERS.values():
            hits += provider.search(text, current_user, LIMIT_PER_TYPE)
    body = render(
        "search/index.html",
        "search/_results.html",
        text=text,
        hits=hits,
        problem=problem,
        too_short=is_too_short(text),
        min_length=MIN_LENGTH,
        labels={name: provider.label for name, provider in SEARCH_PROVIDERS.items()},
    )
    return body, 422 if problem else 200
