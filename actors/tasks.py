"""Celery tasks of the actors app: thin, keyword ids only, idempotent (rows are claimed first).

The tasks a service queues are defined beside it (as pretix's `cancel_event`) and listed here, where
the workers find them; this module imports services, and no service imports it.
"""

import logging

from celery import shared_task

from actors.events.messages import event_thanks_send
from actors.events.services import event_reminders_send
from actors.newsletter.sending import send_newsletter_issue, send_newsletter_issues
from actors.services.charter import (
    reindex_charter_signatories,
    renewal_invitations_send,
    renewal_versions_pending,
    send_charter_renewals,
)
from actors.services.committees import (
    meeting_invitations_send,
    meeting_reminders_send,
    meetings_with_pending_invitations,
    send_meeting_invitations,
)

__all__ = [
    "reindex_charter_signatories",
    "send_event_reminders",
    "send_charter_renewals",
    "send_meeting_invitations",
    "send_meeting_reminders",
    "send_newsletter_issue",
    "send_newsletter_issues",
    "send_pending_committee_mail",
]

logger = logging.getLogger(__name__)


# --- Charter and committees ---------------------------------------------------------------------------


@shared_task(name="actors.send_pending_committee_mail")
def send_pending_committee_mail() -> int:
    """Periodic sweep: renewal invitations and meeting invitations left unsent (broker down, lost task)."""
    sent = sum(renewal_invitations_send(version_id=version_id) for version_id in renewal_versions_pending())
    sent += sum(
        meeting_invitations_send(meeting_id=meeting_id) for meeting_id in meetings_with_pending_invitations()
    )
    if sent:
        logger.info("Charter and committee sweep sent %s invitation(s)", sent)
    return sent


@shared_task(name="actors.send_meeting_reminders")
def send_meeting_reminders() -> int:
    """Periodic: the reminder of a meeting starting soon, once, to those who come or did not answer."""
    return meeting_reminders_send()


# --- Events of the community ----------------------------------------------------------------------------


@shared_task(name="actors.send_event_reminders")
def send_event_reminders() -> int:
    """Periodic (hourly): the reminders 7 days and 1 day before an event, once each, to those registered;
    then, after the events, the invitations to their satisfaction questionnaires (other apps, through
    actors/events/hooks.py) and the plain thank-yous of the others, once each."""
    return event_reminders_send() + event_thanks_send()
