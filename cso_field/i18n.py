"""Languages: the officer's interface locale and resident-facing documents' own language.

Two things are kept apart here:
- the catalog a text is translated from (a folder in translations/), and
- the Babel locale that formats its dates and numbers.
They are usually the same, but Babel's CLDR data has no Hmong (`hmn`), and it
knows Tagalog only as Filipino (`tl` parses as `fil_PH`). A resident language
therefore names both, and `resident_language()` switches them together.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

from babel import support
from flask import current_app, g, render_template, request
from flask_babel import Domain, force_locale, get_locale
from flask_login import current_user

LANGUAGE_COOKIE = "lang"


class LabelledEnum(StrEnum):
    """A stored value with its translated label: `MEMBER = "value", _l("Label")`."""

    def __new__(cls, value: str, label):
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label
        return member

    @property
    def label(self) -> str:
        return str(self._label)


@dataclass(frozen=True)
class Language:
    code: str  # the catalog folder and the value of <html lang>
    name: str  # the language's own name for itself, never translated
    format_locale: str  # the Babel locale for dates and numbers
    text_direction: str = "ltr"


INTERFACE_LANGUAGES = {
    "en": Language("en", "English", "en_US"),
    "es": Language("es", "Español", "es_US"),
}

RESIDENT_LANGUAGES = {
    **INTERFACE_LANGUAGES,
    "vi": Language("vi", "Tiếng Việt", "vi"),
    "km": Language("km", "ភាសាខ្មែរ", "km"),
    # No CLDR data for Hmong; Hmong Americans read US English date and number forms.
    "hmn": Language("hmn", "Hmoob", "en_US"),
    "tl": Language("tl", "Tagalog", "fil_PH"),
    "pa": Language("pa", "ਪੰਜਾਬੀ", "pa_Guru_IN"),
}


class CatalogDomain(Domain):
    """Flask-Babel's domain, but the catalog is chosen by language code, not Babel locale."""

    def get_translations(self):
        catalog = getattr(g, "catalog_language", None) or _catalog_for(get_locale())
        cache = current_app.extensions.setdefault("cso_translations", {})
        key = (catalog, self.domain[0])
        if key not in cache:
            translations = support.Translations()
            for dirname in self.translation_directories:
                translations.merge(support.Translations.load(dirname, [catalog], self.domain[0]))
            cache[key] = translations
        return cache[key]


def _catalog_for(locale) -> str:
    return locale.language if locale is not None else "en"


def select_interface_locale() -> str:
    """User setting, then cookie, then the browser's Accept-Language, then English."""
    user_choice = current_user.locale if current_user.is_authenticated else None
    if user_choice in INTERFACE_LANGUAGES:
        return INTERFACE_LANGUAGES[user_choice].format_locale
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie in INTERFACE_LANGUAGES:
        return INTERFACE_LANGUAGES[cookie].format_locale
    best = request.accept_languages.best_match(list(INTERFACE_LANGUAGES), default="en")
    return INTERFACE_LANGUAGES[best].format_locale


def current_language() -> Language:
    """The language the current text is shown in (for <html lang> and pickers)."""
    code = getattr(g, "catalog_language", None) or _catalog_for(get_locale())
    return RESIDENT_LANGUAGES.get(code, INTERFACE_LANGUAGES["en"])


def resident_language_code(requested: str | None) -> str:
    """A supported resident language code for what was asked, English if unsupported."""
    return requested if requested in RESIDENT_LANGUAGES else "en"


@contextmanager
def resident_language(code: str) -> Iterator[Language]:
    """Render text in a resident's language, whatever the officer's interface language is."""
    language = RESIDENT_LANGUAGES[resident_language_code(code)]
    previous = getattr(g, "catalog_language", None)
    g.catalog_language = language.code
    try:
        with force_locale(language.format_locale):
            yield language
    finally:
        g.catalog_language = previous


def render_for_resident(template: str, language_code: str, **context) -> str:
    """A resident-facing document rendered in the resident's language."""
    with resident_language(language_code) as language:
        return render_template(template, resident_language=language, **context)


def init_app(app) -> None:
    from cso_field.extensions import babel

    babel.init_app(
        app,
        locale_selector=select_interface_locale,
        default_translation_directories=app.config["TRANSLATIONS_DIR"],
    )
    babel.domain_instance = CatalogDomain()
    app.context_processor(
        lambda: {
            "current_language": current_language(),
            "interface_languages": INTERFACE_LANGUAGES.values(),
        }
    )
