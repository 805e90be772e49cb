"""A real Celery worker, killed with SIGKILL in the middle of a round, then restarted:
every invitee ends up with exactly one email for that round (delivered to a local SMTP sink)."""

import time
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from barometer.enums import DeliveryStatus
from barometer.models import Delivery, SendingRound
from tests.factories.barometer import CampaignFactory, make_invitation, make_questionnaire
from tests.workers import SMTPSink

INVITEES = 60
WORKER = {
    "pool": "prefork",
    "concurrency": 2,
    "poll_seconds": 0.05,
    "env": {
        "BAROMETER_EMAILS_PER_MINUTE": "3000",
        "BAROMETER_SMTP_CONNECTIONS": "8",  # as shipped: groups of 8, one commit before their dots
    },
}


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_round_then_restarted_sends_each_invitee_exactly_once(start_worker):
    from barometer.tasks import send_due_rounds

    questionnaire = make_questionnaire(CampaignFactory())
    emails = [f"invite{i:02d}@exemple.fr" for i in range(INVITEES)]
    for address in emails:
        make_invitation(questionnaire, email=address)
    SendingRound.objects.create(
        campaign=questionnaire.campaign, number=0, scheduled_at=timezone.now() - timedelta(minutes=1)
    )

    # A slow server (80 ms to acknowledge each message) so that the kill lands mid-round.
    with SMTPSink(delay=0.08) as sink:
        worker = start_worker(smtp_port=sink.port, ready_timeout=30, **WORKER)
        send_due_rounds.apply_async()
        worker.wait_until(lambda: len(sink.recipients()) >= INVITEES // 3, 60, "a third of the round")
        worker.kill()
        received_before_restart = len(sink.recipients())
        states_after_kill = Counter(Delivery.objects.values_list("status", flat=True))

        worker.start(ready_timeout=30)
        send_due_rounds.apply_async()  # the next beat tick
        worker.wait_until(
            lambda: Delivery.objects.filter(
                status__in=[DeliveryStatus.SENT, DeliveryStatus.UNCERTAIN]
            ).count()
            == INVITEES,
            90,
            "the round to finish",
        )
        time.sleep(0.5)  # nothing more may arrive
        worker.stop()

    print("after kill:", dict(states_after_kill), "received:", received_before_restart)
    assert 0 < received_before_restart < INVITEES, states_after_kill
    assert Counter(sink.recipients()) == Counter({address: 1 for address in emails})
    assert Delivery.objects.filter(round=0).count() == INVITEES
    statuses = Counter(Delivery.objects.values_list("status", flat=True))
    # What was "committing" at the kill may have reached the server: uncertain, never resent.
    assert statuses == Counter(
        {
            DeliveryStatus.SENT: INVITEES - states_after_kill[DeliveryStatus.COMMITTING],
            DeliveryStatus.UNCERTAIN: states_after_kill[DeliveryStatus.COMMITTING],
        }
    )
