"""Certifications (core): the kinds an admin defines (citation training, fingerprinting, …)
and each user's certifications with their dates and expiry. Features that need one ask
`services.holds(user, code)` on the server; the screens that record them are in
cso_field/team (training and certifications)."""
