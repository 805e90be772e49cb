"""Settings for the workers of tests/trust/test_reminder_reliability.py: the project's, with the
barometer sending over a single SMTP connection, so that a kill timed on the SMTP server's side
finds the one sending thread waiting for the server's reply."""

from cops.settings import *  # noqa: F403

BAROMETER_SMTP_CONNECTIONS = 1
