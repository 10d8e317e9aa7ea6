"""Operations: what a department's IT runs and watches.

- `requests.py`: a request id for every request (X-Request-ID, error pages, audit rows) and
  one JSON log line per request; every log line the request causes carries the same id.
- `metrics.py`: Prometheus metrics (`/metrics`, only from METRICS_ALLOW_IPS).
- `health.py`: the blueprint of `/healthz`, `/readyz` and `/metrics` (JSON, no login).
- `backup.py`: `flask backup DEST` and `flask restore SRC` (database and stored files, with a
  SHA-256 manifest); `commands.py` holds the commands.
- `models.py`: the backup log (the backup-age metric).

Retention (what is forgotten, and when) is its own core package, cso_field/retention.
"""
