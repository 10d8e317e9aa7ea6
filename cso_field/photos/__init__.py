"""Photos attached to field records: originals kept as evidence, clean copies for display."""
