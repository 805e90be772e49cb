"""A barometer reminder round survives crashes and doubled runs: one email per invitee and round.

Real Celery workers against Redis, delivering to a local SMTP sink (tests/workers.py):
  * the worker is killed with SIGKILL five times during the round and started again each time;
  * two workers run the same round at the same moment.

The workers run the shipped configuration (a group of 8 emails over 8 SMTP connections, marked
"committing" in one commit before their final dots). The sink answers each message 0.12 s after
it has recorded it, so each kill lands while a group is accepted by the server but not yet marked
sent (its rows are "committing"): the case where a resend would be a duplicate. Rows claimed but
not yet sent are there at every kill too (a batch is claimed at once), the case where a skip would
lose one.
"""

import time
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from barometer.enums import DeliveryStatus
from barometer.models import Delivery, SendingRound
from barometer.tasks import send_due_rounds, send_round
from tests.factories.barometer import CampaignFactory, make_invitation, make_questionnaire
from tests.workers import SMTPSink, wait_until

KILLS = 5
CONNECTIONS = 8  # the shipped BAROMETER_SMTP_CONNECTIONS
REMINDER = 1


def shipped_worker(sink_port: int, *, name: str, per_minute: int) -> dict:
    """The options of a worker running the shipped configuration, one pool process."""
    return {
        "smtp_port": sink_port,
        "name": name,
        "pool": "prefork",
        "concurrency": 1,
        "poll_seconds": 0.05,
        "env": {
            "BAROMETER_EMAILS_PER_MINUTE": str(per_minute),
            "BAROMETER_SMTP_CONNECTIONS": str(CONNECTIONS),
        },
    }


def reminder_round(count: int) -> tuple[list[str], SendingRound]:
    """`count` people invited two days ago (round 0 sent), their first reminder due now."""
    questionnaire = make_questionnaire(CampaignFactory())
    emails = [f"relance{n:03d}@exemple.fr" for n in range(count)]
    two_days_ago = timezone.now() - timedelta(days=2)
    Delivery.objects.bulk_create(
        Delivery(
            invitation=make_invitation(questionnaire, email=address),
            round=0,
            status=DeliveryStatus.SENT,
            sent_at=two_days_ago,
        )
        for address in emails
    )
    sending_round = SendingRound.objects.create(
        campaign=questionnaire.campaign, number=REMINDER, scheduled_at=timezone.now() - timedelta(minutes=1)
    )
    return emails, sending_round


def reminders() -> Counter:
    return Counter(
        Delivery.objects.filter(invitation__email__startswith="relance", round=REMINDER).values_list(
            "status", flat=True
        )
    )


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_worker_killed_five_times_during_a_reminder_round_sends_each_invitee_one_reminder(start_worker):
    emails, _sending_round = reminder_round(200)
    started = time.monotonic()
    states_at_kills = []

    with SMTPSink(delay=0.12) as sink:
        worker = start_worker(ready_timeout=60, **shipped_worker(sink.port, name="relances", per_minute=1200))
        for _kill in range(KILLS):
            send_due_rounds.apply_async()  # the beat's next tick
            target = len(sink.recipients()) + 12
            deadline = time.monotonic() + 60
            while len(sink.recipients()) < target and time.monotonic() < deadline:
                time.sleep(0.005)
            worker.kill()  # mid-reply: that message is past the commit point
            states_at_kills.append((len(sink.recipients()), reminders()))
            worker.purge()  # what the dead worker held goes with it, as after a real crash
            worker.start(ready_timeout=60)

        send_due_rounds.apply_async()
        worker.wait_until(
            lambda: reminders()[DeliveryStatus.SENT] + reminders()[DeliveryStatus.UNCERTAIN] == len(emails),
            90,
            "the round to finish",
        )
        time.sleep(0.5)  # nothing more may arrive
        worker.stop()
        received = Counter(sink.recipients())

    print(
        f"{KILLS} kills, round done in {time.monotonic() - started:.1f} s; (emails received, rows) at each kill:"
    )
    for count, states in states_at_kills:
        print(f"  {count:4d} {dict(states)}")
    received_at_kills = [count for count, _states in states_at_kills]
    assert received_at_kills == sorted(set(received_at_kills))  # every kill fell during the round...
    assert 0 < received_at_kills[-1] < len(emails)  # ...before its end
    groups = [states[DeliveryStatus.COMMITTING] for _count, states in states_at_kills]
    assert all(1 <= in_flight <= CONNECTIONS for in_flight in groups), groups
    assert all(states[DeliveryStatus.CLAIMED] > 0 for _count, states in states_at_kills)
    assert received == Counter({address: 1 for address in emails})
    # Those in flight at each kill went to the server once, and are shown as uncertain.
    assert reminders() == Counter(
        {DeliveryStatus.SENT: len(emails) - sum(groups), DeliveryStatus.UNCERTAIN: sum(groups)}
    )
    assert Delivery.objects.filter(invitation__email__in=emails, round=0).count() == len(emails)
    assert Delivery.objects.filter(round=REMINDER, error__startswith="Envoi interrompu").count() == sum(
        groups
    )


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_two_workers_running_the_same_reminder_round_at_once_send_what_one_would(start_worker):
    emails, sending_round = reminder_round(150)

    with SMTPSink() as sink:
        workers = [
            start_worker(ready_timeout=None, **shipped_worker(sink.port, name=name, per_minute=1200))
            for name in "ab"
        ]
        wait_until(
            lambda: all(w.ready for w in workers),
            timeout=60,
            what="both workers to start",
            workers=workers,
            interval=0.05,
        )
        # Two runs at once (two beat ticks, or a tick and a manual retry): one task each.
        for _ in workers:
            send_round.apply_async(kwargs={"round_id": sending_round.pk})
        wait_until(
            lambda: reminders()[DeliveryStatus.SENT] == len(emails),
            timeout=90,
            what="the round to finish",
            workers=workers,
            interval=0.05,
        )
        wait_until(
            lambda: sum(w.output().count("succeeded") for w in workers) == 2,
            timeout=30,
            what="both runs to end",
            workers=workers,
            interval=0.05,
        )
        time.sleep(0.5)  # nothing more may arrive
        for w in workers:
            w.stop()
        received = Counter(sink.recipients())

    texts = [w.output() for w in workers]
    assert all("barometer.send_round" in text for text in texts)  # each worker ran one of the two
    busy = [
        text
        for text in texts
        if f"Barometer round {sending_round.pk} is being sent by another worker" in text
    ]
    assert len(busy) == 1  # they overlapped: the second found the round taken
    assert received == Counter({address: 1 for address in emails})
    assert reminders() == Counter({DeliveryStatus.SENT: len(emails)})
