"""Where a redirect may send someone: only a path on this site, whatever a form or link says."""

from urllib.parse import urlsplit

MAX_TARGET_LENGTH = 2000


def safe_redirect_target(target: str | None, default: str | None) -> str | None:
    """`target` when it is a plain path on this site, else `default`.

    Refused: other sites (`//host`, `https://…`, and `/\\host`, which browsers read as
    `//host`), schemes such as `javascript:`, relative paths, control characters (a newline
    would split the Location header) and absurd lengths.
    """
    if not target or len(target) > MAX_TARGET_LENGTH or not target.startswith("/"):
        return default
    if any(ord(character) < 32 or ord(character) == 127 for character in target):
        return default
    if target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
