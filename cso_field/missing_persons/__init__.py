"""Missing persons and at-risk youth (K-1 III E, P, Q, R, S, U, AA): reports taken without
delay, the state deadlines as steps with countdowns, found, searches, posters, parental
abduction details and the parent notification program.

Screens (staff, blueprint `missing_persons` in routes.py, templates/missing_persons/):
- /missing/                    reports missing or found, newest first   index.html, _rows.html
- /missing/new                 take a report (phone or counter)         new.html, _form.html
- /missing/<id>                the report: deadline steps, countdowns,  view.html, _steps.html,
                               found, searchers, posters, History       _posters.html, _map.html
- /missing/<id>/steps          the countdowns, polled by the report     _steps.html
- /missing/due                 the Today card's countdowns, polled      _today_card.html
- /missing/<id>/steps/<kind>   record a step done (MUPS number, time)
- /missing/<id>/found          found: removal steps start, posters withdrawn
- /missing/<id>/searchers      a Senior CSO assigns a searcher
- /missing/<id>/posters        make a poster (English + a resident language)
- /missing/posters/<id>[/pdf]  the poster (print page, PDF), its distribution log
                               (poster_document.html)
- /missing/<id>/board          the live search board: areas on the map, the searchers' log
                               polled every 20 s                        board.html, _feed.html
- /missing/<id>/areas, /logs   a Senior CSO gives an area; a searcher logs a search
- /missing/<id>/notifications  a parent notification (juveniles)        _notifications.html
- /missing/notifications/<id>[/pdf]  the letter in the parent's language and English
                               (letter_document.html)
- /missing/settings            an admin's deadlines, each default's statute named  settings.html

Who sees what: an adult's report, all staff; a juvenile's (under 18, WIC 827) only its taker,
its searchers, Senior CSOs and admins; everyone else gets a 404 and a list row without the
name. Every view is audited. No page of the type is kept offline (Cache-Control: no-store, and
none is registered with the offline pages); Today's card shows references only.

Files: models.py (MissingPerson, Step, Searcher, Poster, Distribution), forms.py, services.py
(deadlines and their settings, access, steps, found, lists, registration), searches.py (areas,
logs, the board), notices.py (the poster, the parent letter), reports.py (exports, juvenile
identity only in juvenile_* columns), routes.py, commands.py (`flask missing-persons overdue`),
demo.py.
Tests: tests/missing_persons/, tests/e2e/test_missing_persons.py.
"""
