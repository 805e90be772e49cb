"""A real Celery worker runs the periodic task twice at the same time: each participant receives the
à distance evaluation exactly once, delivered over SMTP to a local sink."""

import time
from collections import Counter

import pytest
from django.utils import timezone

from accompaniment.enums import EvaluationKind, Side
from accompaniment.models import Evaluation, EvaluationInvitation
from accompaniment.services import accompaniments as acc_services
from cops.models import OutgoingEmail
from tests.accompaniment.conftest import advance
from tests.factories.accompaniment import StructureFactory, make_accompaniment

PARTICIPANTS = 12


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_periodic_task_run_twice_by_a_real_worker_sends_each_evaluation_once(
    transactional_db, start_worker, smtp_sink, staff_user
):
    from accompaniment.tasks import send_due_evaluations
    from cops.celery import app

    accompaniment = make_accompaniment(structure=StructureFactory(), professional_lead=staff_user)
    participants = [
        acc_services.participant_add(
            accompaniment=accompaniment,
            first_name=f"Personne{i}",
            last_name="Test",
            email=f"p{i}@structure.fr",
            side=Side.USER if i % 2 else Side.PROFESSIONAL,
        )
        for i in range(PARTICIPANTS)
    ]
    app.conf.task_always_eager = True  # build the accompaniment's past quickly, in this process
    try:
        advance(accompaniment, staff_user, participants, phases=4)
    finally:
        app.conf.task_always_eager = False
    Evaluation.objects.filter(kind=EvaluationKind.IMPACT).update(scheduled_for=timezone.localdate())
    EvaluationInvitation.objects.update(next_reminder_at=None)  # no à chaud reminder in this run
    OutgoingEmail.objects.all().delete()

    worker = start_worker(
        smtp_port=smtp_sink.port, pool="prefork", concurrency=2, poll_seconds=0.1, ready_timeout=30
    )

    # Twice, at once: two worker processes race for the same evaluation.
    send_due_evaluations.delay()
    send_due_evaluations.delay()

    worker.wait_until(
        lambda: OutgoingEmail.objects.filter(sent_at__isnull=False).count() >= PARTICIPANTS,
        60,
        "the emails to be delivered",
    )
    time.sleep(2)  # anything sent twice would arrive now
    worker.stop()

    assert Counter(smtp_sink.recipients()) == Counter({f"p{i}@structure.fr": 1 for i in range(PARTICIPANTS)})
    assert OutgoingEmail.objects.count() == PARTICIPANTS
    assert set(OutgoingEmail.objects.values_list("template", flat=True)) == {
        "accompaniment/emails/evaluation_invitation"
    }
    evaluation = Evaluation.objects.get(kind=EvaluationKind.IMPACT)
    assert evaluation.launched_at is not None
    assert evaluation.invitations.count() == PARTICIPANTS
    assert worker.output().count("accompaniment.send_due_evaluations") >= 2
