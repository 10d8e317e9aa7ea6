"""The Search screen: every registered provider, by address, reference number or text."""
