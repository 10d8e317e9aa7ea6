"""What every field record shares: location, idempotent creation, versions, review, deletion."""
