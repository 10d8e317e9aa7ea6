"""Languages: the officer's interface locale and resident-facing documents' own language.

Two things are kept apart here:
- the catalog a text is translated from (a folder in translations/), and
- the Babel locale that formats its dates and numbers.
They are usually the same, but Babel's CLDR data has no Hmong (`hmn`), and it
knows Tagalog only as Filipino (`tl` parses as `fil_PH`). A resident language
therefore names both, and `resident_language()` switches them together.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum

from babel import support
from flask import current_app, g, render_template, request
from flask_babel import (
    Domain,
    force_locale,
    format_date,
    format_datetime,
    format_time,
    get_locale,
    pgettext,
    to_user_timezone,
)
from flask_login import current_user
from markupsafe import escape

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

    @property
    def lazy_label(self):
        """The label still lazy: for choices built once, shown in each request's language."""
        return self._label


@dataclass(frozen=True)
class Language:
    code: str  # the catalog folder and the value of <html lang>
    name: str  # the language's own name for itself, never translated
    format_locale: str  # the Babel locale for dates and numbers
    text_direction: str = "ltr"
    # A short-time pattern where the locale's own would print "AM"/"PM" in Latin letters.
    short_time: str | None = None


INTERFACE_LANGUAGES = {
    "en": Language("en", "English", "en_US"),
    "es": Language("es", "Español", "es_US"),
}

RESIDENT_LANGUAGES = {
    **INTERFACE_LANGUAGES,
    "vi": Language("vi", "Tiếng Việt", "vi"),
    # CLDR writes "3:05 PM" in Khmer and Punjabi text: residents read a 24-hour "15:05".
    "km": Language("km", "ភាសាខ្មែរ", "km", short_time="H:mm"),
    # No CLDR data for Hmong: numbers as in US English, dates by hmong_date() below.
    "hmn": Language("hmn", "Hmoob", "en_US"),
    "tl": Language("tl", "Tagalog", "fil_PH"),
    "pa": Language("pa", "ਪੰਜਾਬੀ", "pa_Guru_IN", short_time="H:mm"),
}


class CatalogDomain(Domain):
    """Flask-Babel's domain, but the catalog is chosen by language code, not Babel locale."""

    def get_translations(self):
        # Asked for by every gettext call, so a page asks dozens of times: the answer is kept
        # for the request where Flask-Babel keeps its own (g._flask_babel.babel_translations),
        # which force_locale() (so resident_language()) and refresh() reset.
        request_cache = g.get("_flask_babel")
        found = getattr(request_cache, "babel_translations", None)
        if found is None:
            catalog = g.get("catalog_language") or _catalog_for(get_locale())
            found = self._catalog(catalog)
            if request_cache is not None:
                request_cache.babel_translations = found
        return found

    def _catalog(self, catalog: str) -> support.Translations:
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
    code = g.get("catalog_language") or _catalog_for(get_locale())
    return RESIDENT_LANGUAGES.get(code, INTERFACE_LANGUAGES["en"])


def resident_language_code(requested: str | None) -> str:
    """A supported resident language code for what was asked, English if unsupported."""
    return requested if requested in RESIDENT_LANGUAGES else "en"


_BROWSER_ALIASES = {"fil": "tl"}  # a Filipino phone reads the Tagalog pages


def visitor_language() -> str:
    """A resident page's language: ?lang= when it names a resident language, else the phone's
    best match, else English."""
    requested = request.args.get("lang")
    if requested in RESIDENT_LANGUAGES:
        return requested
    best = request.accept_languages.best_match([*RESIDENT_LANGUAGES, *_BROWSER_ALIASES])
    return _BROWSER_ALIASES.get(best, best) if best else "en"


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


# -- Dates and times ---------------------------------------------------------------------------
# Babel formats every language but Hmong. Hmong dates are numeric in US order with the Hmong
# weekday name ("Hnub Plaub, 12/24/2026") and times are 24-hour ("15:05"), so no English month,
# weekday or AM/PM ever shows in a Hmong text (translations/GLOSSARY.md).

HMONG_WEEKDAYS = (
    "Hnub Ib",
    "Hnub Ob",
    "Hnub Peb",
    "Hnub Plaub",
    "Hnub Tsib",
    "Hnub Rau",
    "Hnub Xya",
)
WIDTHS = ("short", "medium", "long", "full")


def _in_hmong(format: str | None) -> bool:
    return current_language().code == "hmn" and (format is None or format in WIDTHS)


def hmong_date(value: date, format: str | None = "medium") -> str:
    """ "Hnub Plaub, 12/24/2026" for the full form, "12/24/2026" otherwise."""
    numeric = f"{value.month}/{value.day}/{value.year}"
    if format == "full":
        return f"{HMONG_WEEKDAYS[value.weekday()]}, {numeric}"
    return numeric


def hmong_time(value: time | datetime, format: str | None = "medium") -> str:
    """24-hour time; seconds only in the medium, long and full forms."""
    return f"{value:%H:%M}" if format == "short" else f"{value:%H:%M:%S}"


# Calendar dates as formatted, by (app, date, format, locale, catalog language): the text
# follows from these alone (Babel's locale data and the app's date formats never change while
# it runs). Bounded: emptied when full.
_FORMATTED_DATES: dict[tuple, str] = {}
_FORMATTED_DATES_KEPT = 4096


def date_filter(value=None, format=None, rebase=True):
    """Jinja's `dateformat`: Flask-Babel's, with Hmong dates as above.

    Lists show the same dates on many rows and pages ("until Dec 12, 2026"): a calendar date is
    formatted once per language and format in this process, then read back.
    """
    if type(value) is not date:
        return _format_date(value, format, rebase)
    app = id(current_app._get_current_object())
    # The Locale itself: it hashes its parts, where str() builds its identifier each time.
    key = (app, value, format, get_locale(), g.get("catalog_language"))
    formatted = _FORMATTED_DATES.get(key)
    if formatted is None:
        if len(_FORMATTED_DATES) >= _FORMATTED_DATES_KEPT:
            _FORMATTED_DATES.clear()
        formatted = _FORMATTED_DATES[key] = _format_date(value, format, rebase)
    return formatted


def _format_date(value, format, rebase):
    if value is not None and _in_hmong(format):
        if rebase and isinstance(value, datetime):
            value = to_user_timezone(value)
        return hmong_date(value, format or "medium")
    return format_date(value, format, rebase)


def time_filter(value=None, format=None, rebase=True):
    """Jinja's `timeformat`: Flask-Babel's, with 24-hour Hmong, Khmer and Punjabi short times."""
    if value is not None and _in_hmong(format):
        if rebase and isinstance(value, datetime):
            value = to_user_timezone(value)
        return hmong_time(value, format or "medium")
    if format == "short" and current_language().short_time:
        format = current_language().short_time
    return format_time(value, format, rebase)


def datetime_filter(value=None, format=None, rebase=True):
    """Jinja's `datetimeformat`: Flask-Babel's, with "Hnub Plaub, 12/24/2026, 15:05" in Hmong."""
    if value is not None and _in_hmong(format):
        if rebase:
            value = to_user_timezone(value)
        day = hmong_date(value, "full" if format in ("long", "full") else "medium")
        return f"{day}, {hmong_time(value, format or 'medium')}"
    if rebase and format in _PARTED_FORMATS and type(value) is datetime:
        return _datetime_from_parts(value, format)
    if rebase and _TO_THE_MINUTE.fullmatch(format or "") and type(value) is datetime:
        return _datetime_to_the_minute(value, format)
    return format_datetime(value, format, rebase)


# The short and medium date-times are Babel's date and time texts put in the locale's pattern
# (babel.dates.format_datetime): neither names the time zone, so the date text follows from
# the local day, and the time text from the local hour, minute and second. Each part is
# formatted once per language and format in this process (lists show the same days and many
# of the same minutes), then read back: a list row's time costs a dict lookup, not Babel's
# pattern walk (about 0.1 ms a value). Bounded like _FORMATTED_DATES.
_PARTED_FORMATS = ("short", "medium")
_DATETIME_PARTS: dict[tuple, str] = {}


def _datetime_from_parts(value: datetime, format: str) -> str:
    from babel.dates import format_date as babel_date
    from babel.dates import format_time as babel_time
    from babel.dates import get_datetime_format
    from flask_babel import get_timezone

    zone = get_timezone()
    local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(zone)
    if hasattr(zone, "normalize"):  # a pytz zone
        local = zone.normalize(local)
    locale = get_locale()
    base = (id(current_app._get_current_object()), format, locale)
    if len(_DATETIME_PARTS) >= _FORMATTED_DATES_KEPT:
        _DATETIME_PARTS.clear()
    pattern = _DATETIME_PARTS.get(base)
    if pattern is None:
        pattern = _DATETIME_PARTS[base] = get_datetime_format(format, locale).replace("'", "")
    day_key = (*base, local.date())
    day = _DATETIME_PARTS.get(day_key)
    if day is None:
        day = _DATETIME_PARTS[day_key] = babel_date(local, format, locale=locale)
    time_key = (*base, local.hour, local.minute, local.second)
    clock = _DATETIME_PARTS.get(time_key)
    if clock is None:
        clock = _DATETIME_PARTS[time_key] = babel_time(local, format, tzinfo=None, locale=locale)
    return pattern.replace("{0}", clock).replace("{1}", day)


# A pattern of its own ("yyyy-MM-dd HH:mm", "HH:mm": the ICS forms' stamps) whose fields stop
# at the minute and name no time zone: its text follows from the local minute alone, so each
# minute is formatted once per language, zone and pattern, then read back (an ICS 214 prints
# hundreds of log lines). Bounded like _FORMATTED_DATES.
_TO_THE_MINUTE = re.compile(r"[yMdEHhKkma :/.,\-]+")
_MINUTE_TEXTS: dict[tuple, str] = {}


def _datetime_to_the_minute(value: datetime, format: str) -> str:
    from flask_babel import get_timezone

    zone = get_timezone()
    local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(zone)
    if hasattr(zone, "normalize"):  # a pytz zone
        local = zone.normalize(local)
    minute = local.replace(second=0, microsecond=0, tzinfo=None)
    key = (id(current_app._get_current_object()), format, get_locale(), str(zone), minute)
    text = _MINUTE_TEXTS.get(key)
    if text is None:
        if len(_MINUTE_TEXTS) >= _FORMATTED_DATES_KEPT:
            _MINUTE_TEXTS.clear()
        text = _MINUTE_TEXTS[key] = format_datetime(value, format)
    return text


# -- The department's name --------------------------------------------------------------------


class DepartmentName:
    """The department's name in the language being shown, printed as `config.DEPARTMENT_NAME`.

    A name configured for the language (CSO_DEPARTMENT_NAME_ES, _VI, …) comes first, then the
    configured name (CSO_DEPARTMENT_NAME), then the default name from the catalogs, which
    every resident language translates.
    """

    def __init__(self, configured: str = "", per_language: dict[str, str] | None = None):
        self.configured = configured
        self.per_language = per_language or {}

    def __str__(self) -> str:
        try:
            code = current_language().code
        except RuntimeError:  # no application context: the configured or English name
            return self.per_language.get("en") or self.configured or "Stockton Police Department"
        if self.per_language.get(code):
            return self.per_language[code]
        return self.configured or pgettext("resident", "Stockton Police Department")

    def __html__(self) -> str:
        return str(escape(str(self)))

    def __eq__(self, other) -> bool:
        return str(self) == other

    def __hash__(self) -> int:
        return hash(self.configured)

    def __repr__(self) -> str:
        return f"DepartmentName({self.configured!r}, {self.per_language!r})"


def department_name_from(config) -> DepartmentName:
    configured = config.get("DEPARTMENT_NAME") or ""
    if isinstance(configured, DepartmentName):
        return configured
    return DepartmentName(str(configured), dict(config.get("DEPARTMENT_NAMES") or {}))


def init_app(app) -> None:
    from cso_field.extensions import babel

    babel.init_app(
        app,
        locale_selector=select_interface_locale,
        default_translation_directories=app.config["TRANSLATIONS_DIR"],
    )
    babel.domain_instance = CatalogDomain()
    app.jinja_env.filters.update(
        dateformat=date_filter, timeformat=time_filter, datetimeformat=datetime_filter
    )
    app.config["DEPARTMENT_NAME"] = department_name_from(app.config)
    app.context_processor(
        lambda: {
            "current_language": current_language(),
            "interface_languages": INTERFACE_LANGUAGES.values(),
        }
    )
