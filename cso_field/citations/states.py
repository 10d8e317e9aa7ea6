"""The vocabulary every module of blight citations shares: the case's one state, the coded
error the rules raise, and how money and a fine's computation are written."""

from decimal import Decimal

from flask_babel import format_currency, pgettext
from flask_babel import lazy_gettext as _l

from cso_field.i18n import LabelledEnum


class CitationError(Exception):
    """A step the rules refuse; `code` picks the message shown (routes.MESSAGES)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class CaseState(LabelledEnum):
    OBSERVED = "observed", _l("Observed")
    WARNED = "warned", _l("Warning issued")
    CORRECTED = "corrected", _l("Corrected at reinspection")
    NOT_CORRECTED = "not_corrected", _l("Not corrected at reinspection")
    CITED = "cited", _l("Citation issued")
    HEARING_REQUESTED = "hearing_requested", _l("Hearing requested")
    ORDER_FINAL = "order_final", _l("Final administrative order")
    APPEALED = "appealed", _l("Appealed to the Superior Court")
    PAID = "paid", _l("Paid")
    WAIVED = "waived", _l("Waived (hardship)")
    COLLECTION = "collection", _l("Sent to collection")
    DISMISSED = "dismissed", _l("Dismissed")
    CLOSED = "closed", _l("Closed")


OPEN_STATES = frozenset(CaseState) - {CaseState.CLOSED}
OWED_STATES = frozenset({CaseState.CITED, CaseState.ORDER_FINAL, CaseState.COLLECTION})


def money(cents: int | None) -> str:
    return "" if cents is None else format_currency(Decimal(cents) / 100, "USD")


def fine_explanation(basis: dict, section: str) -> str:
    """How a fine was computed, in the language being shown."""
    amounts = " / ".join(money(cents) for cents in basis["amounts"])
    return pgettext(
        "resident",
        "Citation number %(number)s for section %(section)s within %(days)s days "
        "(%(earlier)s earlier); fines in order: %(amounts)s.",
        number=basis["number"],
        section=section,
        days=basis["lookback_days"],
        earlier=basis["earlier"],
        amounts=amounts,
    )
