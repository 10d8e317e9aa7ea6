"""The team: the Senior CSO's view of who is working, and what they can do.

Screens and who uses them:
- /team/                         the team board: who is on shift, their district, current
                                 assignment or traffic post (registry.current_duties), last
                                 recorded place and time (their newest located record, any type,
                                 through the registry), languages and contact. A CSO sees only
                                 their own district's shift.
- /team/roster                   the bilingual roster: who speaks a language (on shift now), how
                                 to reach them, "Request translation" (an assignment)
- /team/people/<id>              a user's spoken languages, proficiency and contact (themself, a
                                 Senior CSO or an admin)
- /team/shift, /team/shift/end   starting a shift in a district, ending it
- /team/training                 training sessions, and certifications expiring or expired
                                 (Senior CSO, admin); /team/training/new records a session
- /team/people/<id>/certifications  a user's certifications, recording one (Senior CSO, admin)
- /team/certification-kinds      the kinds of certification (admin)

Files: models.py (SpokenLanguage, Contact, TrainingSession, TrainingAttendee), forms.py,
services.py, routes.py, demo.py; templates/team/. Certifications themselves are core
(cso_field/certifications), so features such as citations check them on the server.
"""
