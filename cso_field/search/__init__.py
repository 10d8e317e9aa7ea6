"""The Search screen: every record type, by address, reference number or text."""


def contains_pattern(text: str) -> str:
    """A LIKE pattern (escape character "\\") matching `text` anywhere, wildcards literal."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
