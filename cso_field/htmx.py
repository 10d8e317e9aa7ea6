"""Everything htmx-specific lives here, so a move to a later htmx is one small change."""

from flask import Response, make_response, redirect, render_template, request

from cso_field.extensions import htmx

HTMX_VERSION = "2.0.11"

# Served as <meta name="htmx-config">; see DESIGN.md for why each value is set.
HTMX_CONFIG = {
    "allowEval": False,
    "allowScriptTags": False,
    "includeIndicatorStyles": False,
    "historyCacheSize": 0,
    "refreshOnHistoryMiss": True,
    "selfRequestsOnly": True,
    "defaultSwapStyle": "outerHTML",
    "responseHandling": [
        {"code": "204", "swap": False},
        {"code": "[23]..", "swap": True},
        {"code": "422", "swap": True},
        # Other errors show their short notice in the page's live region.
        {
            "code": "[45]..",
            "swap": True,
            "error": True,
            "target": "#notices",
            "swapOverride": "innerHTML",
        },
    ],
}


def wants_fragment() -> bool:
    """True for an htmx request that swaps part of a page.

    Boosted links and history restores also carry HX-Request, but want a whole page.
    """
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


# "Load more" pages; beyond this a page is simply empty (an offset the database can hold).
MAX_PAGE = 10_000


def page_arg() -> int:
    """The list page asked for (?page=N), 1 for anything missing or out of range."""
    page = request.args.get("page", 1, type=int)
    return page if 1 <= page <= MAX_PAGE else 1


def render(page_template: str, fragment_template: str, **context) -> str:
    """The fragment for an htmx swap, the full page otherwise; both share one partial.

    A fragment carries pending flash messages out of band into the page's live region.
    """
    if not wants_fragment():
        return render_template(page_template, **context)
    return render_template(fragment_template, **context) + render_template(
        "_partials/notices_oob.html"
    )


def form_error(page_template: str, fragment_template: str, status: int, **context):
    """A form re-rendered with its errors, swapped back over itself for any 4xx status."""
    response = make_response(render(page_template, fragment_template, **context), status)
    if wants_fragment():
        response.headers["HX-Retarget"] = "this"
        response.headers["HX-Reswap"] = "outerHTML"
    return response


def see_other(location: str) -> Response:
    """After a successful post: a 303, or for htmx a full page load of the new location."""
    if wants_fragment():
        response = Response(status=200)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location, 303)


def client_redirect(location: str) -> Response:
    """A redirect that htmx follows with a full page load instead of swapping it in."""
    response = Response(status=401)
    response.headers["HX-Redirect"] = location
    return response


def add_vary_header(response: Response) -> Response:
    response.vary.add("HX-Request")
    return response
