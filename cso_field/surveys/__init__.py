"""Door-to-door surveys (K-1 III.C, K-2 III.D and III.M): multilingual questionnaires,
canvassing on a phone, and results.

A Survey's questions live in SurveyVersions (Question, Choice; every label, hint and message
per language, English the fallback, never a blank); a version with responses never changes,
a change makes the next one. A Canvass is an officer's round of an area with one survey; each
door is a SurveyResponse (a field record: history, search, My records) with its one-tap
outcome and, when completed, the answers in the resident's chosen language (Answer rows, so
Answer rows). The results read tallies that database triggers keep as doors are recorded,
changed or removed (tallies.py; `flask surveys rebuild-tallies` in commands.py recounts them).

Staff (blueprint `surveys` in routes.py, templates/surveys/):
- /surveys/                          Senior CSOs, admins: the surveys      index.html, _rows.html
- /surveys/import                    import an XLSForm; problems by row    import.html,
                                                                           _problems.html
- /surveys/<id>[?version=&lang=]     a version's questions in a language;  view.html
  /surveys/<id>/revise               upload a change (new version once answered)
- /surveys/new                       build a survey in the app: its title (a draft)   new.html
- /surveys/<id>/publish (POST)       publish a draft: only published surveys start canvasses
- /surveys/<id>/questions[/new, /<name>/edit|move|remove]  the question editor: add, change,
                                     move, remove one question (texts and choices per
                                     language, skip logic, constraint); the versioning rule
                                     holds (editor.py)    questions.html, question.html,
                                                          _question_form.html (htmx 422)
- /surveys/<id>/xlsform              the version as an XLSForm download
- /surveys/<id>/results              counts per choice (SVG bars) by district and dates, free
                                     text                                  results.html
- /surveys/<id>/export.csv|.xlsx     one row per response, labels in ?lang=, streamed, audited
- /surveys/needs                     a district's needs assessment: contacts by outcome, every
                                     survey's choice counts, Neighborhood Watch sign-ups
                                                                           needs.html, _chart.html
- /canvass/                          every officer: open canvasses, start one   canvasses.html
- /canvass/<id>                      a door: address or location, one-tap outcome; progress,
                                     "come back later"                     canvass.html
- /canvass/<id>/contacts (POST)      records the outcome; "Completed" opens the questionnaire,
- /canvass/<id>/questionnaire        in the resident's language, with the Neighborhood Watch
                                     interest section (a sign-up, cso_field.neighborhood_watch)
                                                                     questionnaire.html,
                                                                     _questionnaire.html
- /canvass/<id>/close, /canvass/contacts/<id>   close; one door's record (and the
                                     Neighborhood Watch sign-up it made)   response.html
Today shows the officer's open canvasses (_today_card.html).

Files: models.py; questionnaire.py (texts with fallback, skip logic, the constraint subset,
checking answers); xlsform.py (import with pyxform's reader, export with openpyxl);
editor.py (the question-by-question editor's rules);
services.py (versions, canvasses, contacts, registration); results.py (counts, export);
tallies.py (the counts kept by triggers); commands.py (`flask surveys rebuild-tallies`);
forms.py; routes.py; demo.py. static/js/survey.js applies skip logic in the browser.
Tests: tests/surveys/ (test_tallies.py: tallies against a recount), tests/e2e/test_surveys.py,
tests/e2e/test_survey_editor.py, tests/e2e/test_neighborhood_watch.py.
Benchmark: bench/surveys.py (100,000-response export, the results page's CPU).
"""
