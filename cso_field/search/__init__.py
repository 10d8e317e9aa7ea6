"""The Search screen: every record type, by address, reference number or text."""
