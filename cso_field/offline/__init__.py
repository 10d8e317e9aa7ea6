"""Offline: the installable app, its service worker and the phone's outbox (issue 13).

Screens and files (core; no record type is imported):
- /manifest.webmanifest   the web app manifest (name, icons, theme colour, start URL Today)
- /sw.js                  the service worker (templates/offline/sw.js), served at the root
                          scope; it precaches the app shell and static files, versioned by
                          their contents, and keeps the pages an officer opened, per officer
- /offline                what a phone shows offline to someone not logged in (no user data)
- /offline/outbox         "Waiting on this phone": the outbox, also the shell the service
                          worker shows an officer offline for a page it does not have
- /offline/session        the officer's phone key and a fresh CSRF token, asked by the outbox
                          before it sends (a 401 here means: log in again first)
static/js/outbox.js keeps submissions of forms marked `data-outbox` in IndexedDB when the
server cannot be reached and sends them, oldest first, when it can; the server's idempotency
on the client UUID makes every resend safe. docs/architecture.md says how a form joins.

Files: services.py (precache list and version, the phone key, the strings for the page),
routes.py. Tests: tests/offline/, tests/e2e/test_offline.py.
"""
