"""Traffic and crowd control posts, and selective enforcement (K-1 II.B, III.B and III.D).

An incident (TrafficIncident: Tracked, Located, SoftDeleted) is a collision opened from the
scene or a parade, special event, school crossing or road closure planned ahead. It has
operational periods (OperationalPeriod), posts (TrafficPost: Located) and CSOs assigned to a
post for a period (PostAssignment: assigned, On post, Relieved, each with time and position),
an activity log (ActivityEntry) and equipment counts per post (PostEquipment). A designated
problem (DesignatedProblem) is worked in enforcement sessions (EnforcementSession) with a
sworn officer, whose badge number each session records.

Staff (blueprint `traffic_posts` in routes.py, templates/traffic_posts/):
- /traffic/                          open and planned incidents, your post   index.html
- /traffic/new                       open a collision, plan an event         new.html
- /traffic/<id>                      the live board, your post, the log       view.html, _board.html
- /traffic/<id>/board                the board alone, polled (204 unchanged)  _board.html
- /traffic/<id>/manage               in charge: periods, posts, assignments,
                                     equipment, closing                       manage.html
- /traffic/assignments/<id>/on-post, /relieve, /handover  one tap each       _post_actions.html
- /traffic/<id>/periods/<id>/ics214(.pdf), /ics204(.pdf)
                                     ICS forms, in English (catalog strings under
                                     force_locale("en"))      ics214.html, ics204.html
- /traffic/<id>/activity.csv         the activity log, streamed in batches, audited
- /traffic/problems/, /problems/new (Senior CSOs), /problems/<id> (+ /sessions)
                                     selective enforcement    problems.html, new_problem.html,
                                                              problem.html
- /traffic/problems/<id>/summary     Senior CSOs: per week or month, a table
                                     and an SVG bar chart   problem_summary.html
Incidents, designated problems and enforcement sessions are record types (Search, My records);
a Senior CSO or admin deletes a mistaken one through the shared /records/<type>/<id>/delete.
Only CSOs and Senior CSOs (roles.FIELD_ROLES) are assigned to or handed a post.
Today shows a CSO's post with one tap On post / Relieved (_today_card.html).

Files: models.py; services.py (IncidentState, the Problem refusals, incidents, periods,
posts, assignments, On post / Relieved / handover, entries, equipment, closing, registration);
board.py (the list, the board and its poll token, Today's posts, ICS 214 / 204, CSV);
enforcement.py (designated problems, sessions, the summary and the summary over time, their
search and record types); forms.py; routes.py; demo.py.
Tests: tests/traffic_posts/ (test_records.py: Search, My records, deletion), browser test
tests/e2e/test_traffic_posts.py.
"""
