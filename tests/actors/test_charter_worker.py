"""Renewal invitations through a real Celery worker and Redis, delivered to a local SMTP sink.

1. The publication queues the batch, and the same task is queued a second time while the first
   runs (two pool processes): every signatory gets exactly one email.
2. The worker is killed (SIGKILL) in the middle of the batch and restarted; the periodic sweep
   finishes the job: still exactly one invitation per signatory.
"""

import email
import time
from collections import Counter
from email.header import decode_header, make_header

import pytest

from actors.models import RenewalInvitation
from actors.services import charter as services
from actors.tasks import send_charter_renewals, send_pending_committee_mail
from cops.models import OutgoingEmail
from tests.factories.actors import UserFactory
from tests.factories.charter import CharterVersionFactory, PersonFactory, sign

WAIT_SECONDS = 60  # an upper bound for what the worker does (tests/workers.py)


@pytest.fixture
def worker_options() -> dict:
    """Two pool processes: a task queued twice runs twice at the same time."""
    return {"pool": "prefork", "concurrency": 2, "wait_seconds": WAIT_SECONDS, "poll_seconds": 0.2}


SUBJECT = "La charte d'engagement 2026 du COPS est publiée : renouvelez votre engagement"


def previous_signatories(count: int) -> tuple[object, object, list[str]]:
    previous = CharterVersionFactory(year=2025)
    draft = CharterVersionFactory(year=2026, published_at=None)
    emails = []
    for index in range(count):
        user = UserFactory(email=f"signataire{index:03d}@exemple.fr")
        sign(previous, person=PersonFactory(user=user))
        emails.append(user.email)
    return previous, draft, emails


def recipients(sink) -> Counter:
    return Counter(rcpt for envelope in sink.envelopes for rcpt in envelope.rcpt_tos)


@pytest.mark.celery
def test_renewal_batch_queued_twice_sends_one_email_per_signatory(transactional_db, celery_worker, smtp_sink):
    _previous, draft, emails = previous_signatories(40)
    staff = UserFactory(email="equipe@exemple.fr")

    services.charter_version_publish(version=draft, by=staff)  # queues the batch after commit
    send_charter_renewals.delay(version_id=draft.pk)  # and a duplicate of the same task

    celery_worker.wait_until(lambda: len(smtp_sink.envelopes) >= len(emails))
    time.sleep(3)  # a duplicate, if any, would arrive now
    assert recipients(smtp_sink) == Counter({address: 1 for address in emails})
    assert RenewalInvitation.objects.filter(version=draft, sent_at__isnull=True).count() == 0
    message = email.message_from_bytes(smtp_sink.envelopes[0].content)
    assert str(make_header(decode_header(message["Subject"]))) == SUBJECT


@pytest.mark.celery
def test_worker_killed_mid_batch_then_swept_sends_one_invitation_per_signatory(
    transactional_db, celery_worker, smtp_sink
):
    _previous, draft, emails = previous_signatories(150)
    staff = UserFactory(email="equipe@exemple.fr")

    services.charter_version_publish(version=draft, by=staff)
    celery_worker.wait_until(lambda: RenewalInvitation.objects.filter(sent_at__isnull=False).count() >= 10)
    celery_worker.kill()
    sent_before_kill = RenewalInvitation.objects.filter(sent_at__isnull=False).count()
    assert 0 < sent_before_kill < len(emails), "the kill should land in the middle of the batch"

    celery_worker.start()
    send_pending_committee_mail.delay()  # what beat does every few minutes

    celery_worker.wait_until(
        lambda: RenewalInvitation.objects.filter(version=draft, sent_at__isnull=True).count() == 0, timeout=90
    )
    outbox = Counter(
        address
        for recipients_list in OutgoingEmail.objects.filter(template="charter/emails/renewal").values_list(
            "to", flat=True
        )
        for address in recipients_list
    )
    assert outbox == Counter({address: 1 for address in emails})
