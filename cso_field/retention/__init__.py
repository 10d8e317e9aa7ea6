"""Retention: personal data kept only as long as the department's periods say.

Each record type declares what it keeps of people and for how long, with a `RetentionRule`
(registry.py) registered from its own services module; the core never imports a record
type. An admin sets each period on the Retention screen (routes.py, `/admin/retention`);
`flask --app app retention run [--dry-run]` (commands.py, daily from cron) empties the
personal fields and deletes the photos of records past their period (services.py), except
records under a hold (models.py), and audits what it touched. Records themselves, their
district, dates, outcomes and counts stay: the district numbers do not change.
"""
