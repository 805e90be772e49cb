"""Retention of what a registration holds: accessibility needs and sensitive answers 30 days after
the event, people without an account a year after it, addresses never confirmed after a week."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from actors.charter_enums import RegistrationStatus
from actors.models import MeetingParticipant, SessionRegistration
from actors.privacy import event_guests_purge, event_needs_erase, event_unconfirmed_purge
from cops.retention import expired_data_purge
from tests.actors.test_event_registration import make_event, make_session
from tests.factories.actors import UserFactory
from tests.factories.charter import committee, make_meeting

SECOND = timedelta(seconds=1)
QUESTIONS = [
    {"code": "structure", "label": "Votre structure", "kind": "texte"},
    {"code": "regime", "label": "Régime alimentaire", "kind": "texte", "sensitive": True},
]


def ended(days_ago: timedelta, **fields):
    ends_at = timezone.now() - days_ago
    return make_event(starts_at=ends_at - timedelta(hours=2), ends_at=ends_at, **fields)


def add(event, email, **fields):
    defaults = {"name": "Camille", "status": RegistrationStatus.CONFIRMED, "registered_at": event.starts_at}
    return MeetingParticipant.objects.create(meeting=event, email=email, **{**defaults, **fields})


def test_the_periods_default_to_the_documented_values():
    assert (
        settings.RETENTION_EVENT_NEEDS_DAYS,
        settings.RETENTION_EVENT_REGISTRATION_DAYS,
        settings.RETENTION_EVENT_UNCONFIRMED_DAYS,
    ) == (30, 365, 7)


def test_needs_and_sensitive_answers_go_30_days_after_the_event_the_rest_stays(db):
    now = timezone.now()
    old = ended(timedelta(days=30) + SECOND, registration_questions=QUESTIONS)
    recent = ended(timedelta(days=30) - timedelta(minutes=1), registration_questions=QUESTIONS)
    answers = {"structure": "CHU", "regime": "Sans gluten"}
    expired = add(old, "a@exemple.fr", accessibility_needs="Fauteuil", answers=answers)
    only_answers = add(old, "b@exemple.fr", answers={"regime": "Végétarien"})
    kept = add(recent, "c@exemple.fr", accessibility_needs="Boucle magnétique", answers=answers)

    assert event_needs_erase(now=now) == 2
    assert event_needs_erase(now=now) == 0

    expired.refresh_from_db()
    only_answers.refresh_from_db()
    kept.refresh_from_db()
    assert (expired.accessibility_needs, expired.answers) == ("", {"structure": "CHU"})
    assert only_answers.answers == {}
    assert (kept.accessibility_needs, kept.answers) == ("Boucle magnétique", answers)
    assert expired.name == "Camille" and expired.email == "a@exemple.fr"


def test_people_without_account_are_anonymised_a_year_after_the_event(db):
    now = timezone.now()
    old = ended(timedelta(days=365) + SECOND)
    recent = ended(timedelta(days=364))
    guest = add(old, "invite@exemple.fr", name="Invité Sans Compte", answers={"structure": "CHU"})
    member = UserFactory(email="membre@exemple.fr")
    with_account = add(old, member.email, user=member)
    add(recent, "recent@exemple.fr")
    guest_of_committee = MeetingParticipant.objects.create(
        meeting=make_meeting(committee("cotec"), days=-400), name="Invité", email="comite@exemple.fr"
    )

    assert event_guests_purge(now=now) == 1
    assert event_guests_purge(now=now) == 0

    guest.refresh_from_db()
    assert guest.email == f"anonyme-{guest.pk}@anonyme.invalid"
    assert (guest.name, guest.answers, guest.response_token_hash) == ("Participant anonymisé", {}, "")
    assert guest.status == RegistrationStatus.CONFIRMED  # the event's counts stay
    assert MeetingParticipant.objects.get(pk=with_account.pk).email == "membre@exemple.fr"
    assert MeetingParticipant.objects.filter(email="recent@exemple.fr").exists()
    # A committee's guest follows the committees' own period (two years), not the events'.
    assert MeetingParticipant.objects.get(pk=guest_of_committee.pk).email == "comite@exemple.fr"


def test_addresses_never_confirmed_are_deleted_after_a_week_with_their_sessions(db):
    now = timezone.now()
    event = make_event()
    session = make_session(event, "Atelier", 10, 11)
    stale = add(
        event,
        "oublie@exemple.fr",
        status=RegistrationStatus.UNVERIFIED,
        registered_at=now - timedelta(days=7) - SECOND,
    )
    SessionRegistration.objects.create(
        session=session, participant=stale, status="attente", registered_at=now
    )
    add(
        event,
        "patient@exemple.fr",
        status=RegistrationStatus.UNVERIFIED,
        registered_at=now - timedelta(days=6),
    )
    add(event, "confirme@exemple.fr", registered_at=now - timedelta(days=30))

    assert event_unconfirmed_purge(now=now) == 1

    assert sorted(event.participants.values_list("email", flat=True)) == [
        "confirme@exemple.fr",
        "patient@exemple.fr",
    ]
    assert not SessionRegistration.objects.exists()


def test_the_nightly_purge_runs_the_event_categories(db):
    counts = expired_data_purge()
    assert {"event_needs", "event_guests", "event_unconfirmed", "meeting_guests"} <= set(counts)
