"""Event reminders 7 days and 1 day before, to confirmed participants, exactly once each: in the
process, then through a real Celery worker killed (SIGKILL) in the middle of the run."""

from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from actors.charter_enums import EventKind, MeetingStatus, RegistrationStatus
from actors.events import services
from actors.models import Meeting, MeetingParticipant
from actors.services import committees as committee_services
from actors.tasks import send_event_reminders
from cops.models import OutgoingEmail
from cops.tasks import flush_outbox
from tests.actors.test_event_registration import VISIO, make_event
from tests.factories.actors import UserFactory
from tests.factories.charter import committee, make_meeting

WEEK = "actors/events/emails/reminder_week"
DAY = "actors/events/emails/reminder_day"


def starting_in(delta: timedelta, **fields) -> Meeting:
    starts_at = timezone.now() + delta
    return make_event(starts_at=starts_at, ends_at=starts_at + timedelta(hours=2), **fields)


def add(event: Meeting, email: str, *, status=RegistrationStatus.CONFIRMED, registered_days_ago: int = 30):
    return MeetingParticipant.objects.create(
        meeting=event,
        name=email.split("@")[0].capitalize(),
        email=email,
        status=status,
        registered_at=timezone.now() - timedelta(days=registered_days_ago),
    )


def sent_reminders() -> list[tuple[str, str]]:
    return sorted((email.to[0], email.template.rsplit("/", 1)[1]) for email in OutgoingEmail.objects.all())


def test_each_confirmed_participant_gets_the_week_then_the_day_reminder_once(
    db, django_capture_on_commit_callbacks
):
    in_six_days = starting_in(timedelta(days=6, hours=12), title="Journée régionale")
    tomorrow = starting_in(timedelta(hours=20), title="Webinaire", kind=EventKind.WEBINAR)
    far = starting_in(timedelta(days=12))
    add(in_six_days, "anne@exemple.fr")
    add(in_six_days, "attente@exemple.fr", status=RegistrationStatus.WAITING)
    add(in_six_days, "a-confirmer@exemple.fr", status=RegistrationStatus.UNVERIFIED)
    add(in_six_days, "annule@exemple.fr", status=RegistrationStatus.CANCELLED)
    add(in_six_days, "tardif@exemple.fr", registered_days_ago=0)  # registered once within the week
    add(tomorrow, "basile@exemple.fr")
    add(far, "loin@exemple.fr")

    with django_capture_on_commit_callbacks(execute=True):
        first = send_event_reminders.apply().get()
    second = send_event_reminders.apply().get()

    assert (first, second) == (2, 0)
    assert sent_reminders() == [("anne@exemple.fr", "reminder_week"), ("basile@exemple.fr", "reminder_day")]
    week = next(m for m in mail.outbox if m.to == ["anne@exemple.fr"])
    assert week.subject.startswith("Dans une semaine : Journée régionale, le ")
    assert "Petit rappel : vous êtes inscrit·e à un événement qui a lieu dans une semaine." in week.body
    assert f"Visioconférence : {VISIO}" in week.body
    assert "/agenda/inscription/" in week.body  # the personal link to cancel
    assert week.attachments[0][0] == "evenement.ics"
    day = next(m for m in mail.outbox if m.to == ["basile@exemple.fr"])
    assert day.subject == "Demain : Webinaire"
    anne = MeetingParticipant.objects.get(email="anne@exemple.fr")
    assert anne.week_reminder_sent_at is not None and anne.day_reminder_sent_at is None

    # Six days later: the day's reminder of Anne's event (and of the late comer), the week's of the far one.
    later = timezone.now() + timedelta(days=6)
    assert services.event_reminders_send(now=later) == 3
    assert services.event_reminders_send(now=later) == 0
    assert sent_reminders() == [
        ("anne@exemple.fr", "reminder_day"),
        ("anne@exemple.fr", "reminder_week"),
        ("basile@exemple.fr", "reminder_day"),
        ("loin@exemple.fr", "reminder_week"),
        ("tardif@exemple.fr", "reminder_day"),
    ]


def test_no_reminder_for_a_cancelled_event_nor_a_committee_meeting(db):
    cancelled = starting_in(timedelta(days=6), status=MeetingStatus.CANCELLED)
    add(cancelled, "anne@exemple.fr")
    meeting = make_meeting(committee("cotec"), days=6)
    add(meeting, "membre@exemple.fr")

    assert services.event_reminders_send() == 0
    assert not OutgoingEmail.objects.exists()


def test_a_new_date_makes_the_reminders_due_again(db, staff_user):
    event = starting_in(timedelta(days=6))
    add(event, "anne@exemple.fr")
    assert services.event_reminders_send() == 1

    moved = timezone.now() + timedelta(days=30)
    Meeting.objects.filter(pk=event.pk).update(starts_at=moved, ends_at=moved + timedelta(hours=2))
    services.event_changed_notify(event=event, by=staff_user, what="Nouvelle date.")

    anne = MeetingParticipant.objects.get(email="anne@exemple.fr")
    assert anne.week_reminder_sent_at is None and anne.day_reminder_sent_at is None
    assert services.event_reminders_send() == 0  # not yet: 30 days ahead
    assert services.event_reminders_send(now=moved - timedelta(days=6)) == 1


def test_committee_meeting_reminders_still_go_once_through_the_shared_pipeline(db):
    meeting = make_meeting(committee("cotec"), days=1)
    user = UserFactory(email="membre@exemple.fr")
    MeetingParticipant.objects.create(
        meeting=meeting, name="Membre", email=user.email, user=user, invitation_sent_at=timezone.now()
    )
    event = starting_in(timedelta(hours=20))
    MeetingParticipant.objects.create(
        meeting=event, name="Invité", email="evt@exemple.fr", invitation_sent_at=timezone.now()
    )

    assert committee_services.meeting_reminders_send() == 1
    assert committee_services.meeting_reminders_send() == 0
    [reminder] = OutgoingEmail.objects.all()
    assert reminder.template == "committees/emails/reminder" and reminder.to == ["membre@exemple.fr"]
    participant = MeetingParticipant.objects.get(email="membre@exemple.fr")
    assert participant.reminder_sent_at is not None and participant.response_token_hash != ""


# --- A real worker, killed in the middle of the run ----------------------------------------------------------


@pytest.fixture
def worker_options() -> dict:
    """Two pool processes: two runs of the task queued together run at the same time."""
    return {"pool": "prefork", "concurrency": 2, "wait_seconds": 90, "poll_seconds": 0.05}


@pytest.mark.celery
def test_worker_killed_mid_run_then_restarted_sends_each_reminder_once(
    transactional_db, celery_worker, smtp_sink
):
    week_event = starting_in(timedelta(days=5), title="Journée régionale")
    day_event = starting_in(timedelta(hours=10), title="Webinaire")
    expected = Counter()
    for index in range(100):
        add(week_event, f"semaine{index:03d}@exemple.fr")
        expected[(f"semaine{index:03d}@exemple.fr", "reminder_week")] = 1
    for index in range(50):
        add(day_event, f"veille{index:03d}@exemple.fr")
        expected[(f"veille{index:03d}@exemple.fr", "reminder_day")] = 1
    claimed = MeetingParticipant.objects.filter(
        week_reminder_sent_at__isnull=False
    ) | MeetingParticipant.objects.filter(day_reminder_sent_at__isnull=False)

    send_event_reminders.delay()
    send_event_reminders.delay()  # a duplicate of the beat tick, run by the second pool process
    celery_worker.wait_until(lambda: claimed.count() >= 10)
    celery_worker.kill()
    before_restart = claimed.count()
    assert 0 < before_restart < 150, "the kill should land in the middle of the run"

    celery_worker.start()
    send_event_reminders.delay()  # the next beat tick
    send_event_reminders.delay()
    celery_worker.wait_until(lambda: claimed.count() == 150, timeout=90)
    flush_outbox.delay()  # the outbox's sweep: deliveries queued before the kill and lost with it
    # At most the two emails in the killed processes' hands stay claimed (for CLAIM_TIMEOUT).
    celery_worker.wait_until(lambda: len(smtp_sink.envelopes) >= 148, timeout=90)

    assert Counter(sent_reminders()) == expected
    delivered = Counter(rcpt for envelope in smtp_sink.envelopes for rcpt in envelope.rcpt_tos)
    assert max(delivered.values()) == 1  # never delivered twice
