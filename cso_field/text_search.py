"""Text matching for searches: one LIKE pattern for every list and search screen."""


def contains_pattern(text: str) -> str:
    """A LIKE pattern (escape character "\\") matching `text` anywhere, wildcards literal."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
