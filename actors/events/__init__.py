"""The community's events (regional days, workshops, webinars, trainings…): registration with
seats and a waiting list, the programme's sessions, emails and reminders, the public agenda.

A committee meeting is a `Meeting` too (kind `reunion_instance`); its own code stays in
actors/services|selectors|views/committees.py. Modules here: services (writes), selectors (reads),
ics (calendar files for both), views/forms/urls (pages).
"""
