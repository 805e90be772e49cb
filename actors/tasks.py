"""Celery tasks of the actors app: thin, keyword ids only, idempotent (rows are claimed first)."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


# --- Charter and committees ---------------------------------------------------------------------------


@shared_task(name="actors.send_charter_renewals")
def send_charter_renewals(*, version_id: int) -> int:
    """Invite the previous version's signatories to renew; each invitation is claimed before sending."""
    from actors.services.charter import renewal_invitations_send

    return renewal_invitations_send(version_id=version_id)


@shared_task(name="actors.reindex_charter_signatories")
def reindex_charter_signatories(*, version_id: int) -> None:
    """A version was published: the "engagé(e)" tag moves to its signatories in the directory."""
    from actors.models import CharterVersion
    from actors.services.charter import signatories_reindex

    try:
        signatories_reindex(version_id=version_id)
    except CharterVersion.DoesNotExist:
        logger.info("Charter version %s is gone: nothing to reindex", version_id)


@shared_task(name="actors.send_meeting_invitations")
def send_meeting_invitations(*, meeting_id: int) -> int:
    """Email the meeting's invitation (.ics attached) to each participant not yet invited."""
    from actors.services.committees import meeting_invitations_send

    return meeting_invitations_send(meeting_id=meeting_id)


@shared_task(name="actors.send_pending_committee_mail")
def send_pending_committee_mail() -> int:
    """Periodic sweep: renewal invitations and meeting invitations left unsent (broker down, lost task)."""
    from actors.services.charter import renewal_invitations_send, renewal_versions_pending
    from actors.services.committees import meeting_invitations_send, meetings_with_pending_invitations

    sent = sum(renewal_invitations_send(version_id=version_id) for version_id in renewal_versions_pending())
    sent += sum(
        meeting_invitations_send(meeting_id=meeting_id) for meeting_id in meetings_with_pending_invitations()
    )
    if sent:
        logger.info("Charter and committee sweep sent %s invitation(s)", sent)
    return sent
