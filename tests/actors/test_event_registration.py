"""Registration to the community's events: seats, waiting list, personal links, emails with .ics,
cancellation and promotion (once), notices of change, and committee pages never showing events."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from actors.charter_enums import EventKind, MeetingStatus, RegistrationStatus
from actors.events import ics, selectors, services
from actors.models import EventSession, Meeting, MeetingParticipant, SessionRegistration
from actors.selectors import committees as committee_selectors
from cops.models import OutgoingEmail
from tests.factories.actors import UnverifiedUserFactory, UserFactory
from tests.factories.charter import committee, make_meeting

VISIO = "https://visio.exemple.fr/atelier-secret"


def make_event(*, days: int = 20, **fields) -> Meeting:
    """A workshop open to registration, `days` ahead, 10:00–12:00 local time."""
    day = timezone.localtime(timezone.now() + timedelta(days=days)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    defaults = {
        "kind": EventKind.WORKSHOP,
        "title": "Atelier partenariat",
        "slug": f"atelier-{Meeting.objects.count() + 1}",
        "starts_at": day,
        "ends_at": day + timedelta(hours=2),
        "location": "Maison des usagers, Montpellier",
        "visio_url": VISIO,
        "registration_open": True,
        "is_public": True,
    }
    return Meeting.objects.create(**{**defaults, **fields})


def make_session(event: Meeting, title: str, start_hour: int, end_hour: int, **fields) -> EventSession:
    day = timezone.localtime(event.starts_at)
    return EventSession.objects.create(
        event=event,
        title=title,
        starts_at=day.replace(hour=start_hour, minute=0),
        ends_at=day.replace(hour=end_hour, minute=0),
        **fields,
    )


def token_of(message) -> str:
    """The personal link's token in an email: …/agenda/inscription/<token>/…"""
    marker = "/agenda/inscription/"
    start = message.body.index(marker) + len(marker)
    return message.body[start:].split("/", 1)[0]


def register(event, email, name="Camille", **kwargs):
    return services.register(event=event, name=name, email=email, **kwargs)


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Run a service and deliver its emails (outbox → mail.outbox) as a commit would."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


# --- Registration without an account: the address is confirmed by a link --------------------------------


def test_registration_without_account_waits_for_the_address_then_takes_a_seat_once(db, sent):
    event = make_event(capacity=3)

    participant = sent(register, event, "Camille.Martin@Exemple.fr", name=" Camille Martin ")

    participant.refresh_from_db()
    assert (participant.status, participant.email, participant.name) == (
        RegistrationStatus.UNVERIFIED,
        "camille.martin@exemple.fr",
        "Camille Martin",
    )
    assert participant.email_verified_at is None and participant.user is None
    assert selectors.event_availability(event).seats_left == 3  # no seat before the confirmation
    [received] = mail.outbox
    assert received.to == ["camille.martin@exemple.fr"]
    assert received.subject == "Confirmez votre inscription : Atelier partenariat"
    token = token_of(received)
    assert f"{settings.SITE_URL}/agenda/inscription/{token}/confirmer/" in received.body
    assert VISIO not in received.body and received.attachments == []
    assert "Tant que l'adresse n'est pas confirmée, aucune place ne vous est réservée." in received.body
    assert "Confirmer mon adresse et mon inscription" in received.alternatives[0][0]

    confirmed = sent(services.confirm_email, token=token)

    assert confirmed.status == RegistrationStatus.CONFIRMED and confirmed.already_confirmed is False
    assert confirmed.email_verified_at is not None
    assert selectors.event_availability(event).seats_left == 2
    assert len(mail.outbox) == 2
    message = mail.outbox[1]
    assert message.subject.startswith("Inscription confirmée : Atelier partenariat, le ")
    assert "Votre inscription est confirmée : une place vous est réservée." in message.body
    assert f"Visioconférence : {VISIO}" in message.body
    assert reverse("events:manage", args=[token]) in message.body  # the same link, to cancel
    [(filename, content, mimetype)] = message.attachments
    assert (filename, mimetype) == ("evenement.ics", "text/calendar; method=PUBLISH")
    lines = content.replace("\r\n ", "").split("\r\n")
    assert "METHOD:PUBLISH" in lines and f"UID:{event.uid}@cops-occitanie" in lines
    assert "SUMMARY:Atelier partenariat" in lines and "SEQUENCE:0" in lines
    assert f"DESCRIPTION:Visioconférence : {VISIO}" in lines

    again = sent(services.confirm_email, token=token)

    assert again.already_confirmed is True and again.status == RegistrationStatus.CONFIRMED
    assert len(mail.outbox) == 2  # nothing sent twice
    assert selectors.event_availability(event).seats_left == 2


def test_an_unknown_or_malformed_link_confirms_nothing(db):
    with pytest.raises(ValidationError) as error:
        services.confirm_email(token="x" * 43)
    assert error.value.messages == ["Ce lien n'est pas ou plus valable."]
    assert selectors.participant_from_token("court") is None
    assert selectors.participant_from_token("../../etc") is None


def test_a_committee_invitation_link_is_not_an_event_link_and_back(db, sent):
    meeting = make_meeting(committee("cotec"))
    invited = MeetingParticipant.objects.create(meeting=meeting, name="Anne", email="anne@exemple.fr")
    event = make_event()
    participant = sent(register, event, "camille@exemple.fr")
    token = token_of(mail.outbox[0])
    invited.response_token_hash = "a" * 64
    invited.save()

    assert selectors.participant_from_token(token).pk == participant.pk
    assert committee_selectors.participant_by_token(token) is None


def test_a_signed_in_person_with_their_verified_address_is_registered_at_once(db, sent):
    user = UserFactory(email="sacha@exemple.fr")
    event = make_event(capacity=5)

    participant = sent(register, event, "sacha@exemple.fr", name="Sacha", user=user)

    assert participant.status == RegistrationStatus.CONFIRMED and participant.user == user
    assert [m.subject.split(" :")[0] for m in mail.outbox] == ["Inscription confirmée"]


def test_another_address_or_an_unverified_account_still_confirms_by_email(db, sent):
    event = make_event()
    user = UserFactory(email="sacha@exemple.fr")
    unverified = UnverifiedUserFactory(email="lou@exemple.fr")

    other = sent(register, event, "sacha.perso@exemple.fr", user=user)
    fresh = sent(register, event, "lou@exemple.fr", user=unverified)

    assert (other.status, fresh.status) == (RegistrationStatus.UNVERIFIED, RegistrationStatus.UNVERIFIED)
    assert [m.subject for m in mail.outbox] == ["Confirmez votre inscription : Atelier partenariat"] * 2


# --- Seats and the waiting list ----------------------------------------------------------------------------


def test_when_full_people_wait_in_arrival_order_and_are_told_their_position(db, sent):
    event = make_event(capacity=1)
    users = [UserFactory(email=f"p{n}@exemple.fr") for n in range(3)]

    first, second, third = (sent(register, event, u.email, user=u) for u in users)

    assert [p.status for p in (first, second, third)] == ["inscrit", "attente", "attente"]
    assert second.registered_at < third.registered_at
    assert (selectors.waiting_position(second), selectors.waiting_position(third)) == (1, 2)
    availability = selectors.event_availability(event)
    assert (availability.seats_left, availability.waiting, availability.is_full) == (0, 2, True)
    waiting_mail = mail.outbox[2]
    assert waiting_mail.subject == "Liste d'attente : Atelier partenariat"
    assert "vous êtes sur la liste d'attente, en position 2." in waiting_mail.body
    assert VISIO not in waiting_mail.body and waiting_mail.attachments == []


def test_full_without_waiting_list_is_refused_and_nothing_is_saved(db, sent):
    event = make_event(capacity=1, waiting_list=False)
    user = UserFactory(email="premier@exemple.fr")
    sent(register, event, user.email, user=user)

    with pytest.raises(ValidationError) as error:
        sent(register, event, "second@exemple.fr")

    assert error.value.messages == ["L'événement « Atelier partenariat » est complet."]
    assert list(event.participants.values_list("email", flat=True)) == ["premier@exemple.fr"]
    assert len(mail.outbox) == 1 and OutgoingEmail.objects.count() == 1


def test_a_person_who_declines_the_waiting_list_is_refused_when_full(db):
    event = make_event(capacity=0)
    with pytest.raises(ValidationError) as error:
        register(event, "lou@exemple.fr", join_waiting_list=False)
    assert error.value.messages == ["L'événement « Atelier partenariat » est complet."]
    assert not MeetingParticipant.objects.exists()


def test_an_address_confirmed_after_the_last_seat_went_joins_the_waiting_list(db, sent):
    event = make_event(capacity=1)
    sent(register, event, "lent@exemple.fr")
    token = token_of(mail.outbox[0])
    quick = UserFactory(email="rapide@exemple.fr")
    sent(register, event, quick.email, user=quick)

    late = sent(services.confirm_email, token=token)

    assert late.status == RegistrationStatus.WAITING
    assert mail.outbox[-1].subject == "Liste d'attente : Atelier partenariat"


def test_an_address_confirmed_when_full_without_waiting_list_is_cancelled(db, sent):
    event = make_event(capacity=1, waiting_list=False)
    sent(register, event, "lent@exemple.fr")
    token = token_of(mail.outbox[0])
    quick = UserFactory(email="rapide@exemple.fr")
    sent(register, event, quick.email, user=quick)

    late = sent(services.confirm_email, token=token)

    assert late.status == RegistrationStatus.CANCELLED and late.cancelled_at is not None
    assert len(mail.outbox) == 2


# --- Refusals ------------------------------------------------------------------------------------------


def test_registering_twice_is_refused_but_a_cancelled_registration_may_come_back(db, sent):
    event = make_event()
    user = UserFactory(email="sacha@exemple.fr")
    participant = sent(register, event, "sacha@exemple.fr", user=user)

    with pytest.raises(ValidationError) as error:
        register(event, "SACHA@exemple.fr")
    assert error.value.message_dict == {"email": ["Cette adresse est déjà inscrite à cet événement."]}

    sent(services.cancel, participant=participant)
    back = sent(register, event, "sacha@exemple.fr", user=user)

    assert back.pk == participant.pk and back.status == RegistrationStatus.CONFIRMED
    assert back.cancelled_at is None
    assert MeetingParticipant.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"registration_open": False}, "Les inscriptions à cet événement sont closes."),
        ({"status": MeetingStatus.CANCELLED}, "Cet événement est annulé."),
        ({"days": -1}, "Cet événement a déjà commencé : les inscriptions sont closes."),
    ],
)
def test_registration_is_refused_when_closed_cancelled_or_begun(db, fields, message):
    event = make_event(**fields)
    with pytest.raises(ValidationError) as error:
        register(event, "lou@exemple.fr")
    assert error.value.messages == [message]
    assert not MeetingParticipant.objects.exists() and not OutgoingEmail.objects.exists()


def test_registration_closes_at_its_date_and_when_the_staff_close_it(db, staff_user):
    event = make_event(registration_closes_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(ValidationError) as error:
        register(event, "lou@exemple.fr")
    assert error.value.messages[0].startswith("Les inscriptions à cet événement sont closes depuis le ")

    other = make_event()
    closed = services.close_registration(event=other, by=staff_user)
    assert closed.registration_open is False
    with pytest.raises(ValidationError):
        register(other, "lou@exemple.fr")


def test_a_committee_meeting_takes_no_registration(db):
    meeting = make_meeting(committee("cotec"), registration_open=True)
    with pytest.raises(ValidationError) as error:
        register(meeting, "lou@exemple.fr")
    assert error.value.messages == ["Les réunions d'instance se font sur invitation."]


def test_bad_name_or_address_and_unanswered_questions_are_refused_by_field(db):
    event = make_event(
        registration_questions=[
            {
                "code": "profil",
                "label": "Vous êtes",
                "kind": "choix",
                "choices": ["Patient", "Pro"],
                "required": True,
            },
            {"code": "structure", "label": "Votre structure", "kind": "texte", "required": True},
            {"code": "regime", "label": "Régime alimentaire", "kind": "texte", "required": False},
        ]
    )
    with pytest.raises(ValidationError) as error:
        services.register(event=event, name=" ", email="pas-une-adresse")
    assert error.value.message_dict == {
        "name": ["Indiquez votre nom."],
        "email": ["Saisissez une adresse électronique valide."],
    }
    with pytest.raises(ValidationError) as error:
        register(event, "lou@exemple.fr", answers={"profil": "Autre", "structure": "  "})
    assert error.value.message_dict == {
        "question_profil": ["Choisissez une des réponses proposées."],
        "question_structure": ["Merci de répondre à la question « Votre structure »."],
    }
    assert not MeetingParticipant.objects.exists()

    participant = register(
        event, "lou@exemple.fr", answers={"profil": "Patient", "structure": "CHU", "inconnue": "x"}
    )
    assert participant.answers == {"profil": "Patient", "structure": "CHU"}


def test_accessibility_needs_are_kept_only_when_the_event_asks_for_them(db):
    asking = make_event()
    silent = make_event(ask_accessibility_needs=False)
    assert (
        register(asking, "a@exemple.fr", accessibility_needs=" Fauteuil ").accessibility_needs == "Fauteuil"
    )
    assert register(silent, "a@exemple.fr", accessibility_needs="Fauteuil").accessibility_needs == ""


# --- Sessions ----------------------------------------------------------------------------------------------


def test_sessions_get_their_seats_and_waiting_lists_once_the_event_seat_is_held(db, sent):
    event = make_event()
    talk = make_session(event, "Plénière", 10, 11)
    small = make_session(event, "Atelier A", 11, 12, capacity=1, room="Salle 2")
    user1, user2 = UserFactory(email="un@exemple.fr"), UserFactory(email="deux@exemple.fr")

    one = sent(register, event, user1.email, user=user1, session_ids=[talk.pk, small.pk])
    two = sent(register, event, user2.email, user=user2, session_ids=[small.pk, talk.pk])

    choices = dict(
        SessionRegistration.objects.filter(participant=two).values_list("session__title", "status")
    )
    assert choices == {"Plénière": "inscrit", "Atelier A": "attente"}
    assert SessionRegistration.objects.get(participant=one, session=small).status == "inscrit"
    assert selectors.event_availability(event).sessions == {talk.pk: None, small.pk: 0}
    assert "- 11 h 00 – 12 h 00 : Atelier A (Salle 2) — sur liste d'attente" in mail.outbox[1].body


def test_unconfirmed_addresses_hold_no_session_seat(db, sent):
    event = make_event()
    small = make_session(event, "Atelier A", 11, 12, capacity=1)
    sent(register, event, "lent@exemple.fr", session_ids=[small.pk])

    assert selectors.event_availability(event).sessions == {small.pk: 1}
    sent(services.confirm_email, token=token_of(mail.outbox[0]))
    assert selectors.event_availability(event).sessions == {small.pk: 0}


def test_overlapping_sessions_or_a_session_of_another_event_are_refused(db):
    event = make_event()
    morning = make_session(event, "Matin", 10, 12)
    parallel = make_session(event, "En parallèle", 11, 12, track="B")
    elsewhere = make_session(make_event(), "Ailleurs", 10, 11)

    with pytest.raises(ValidationError) as error:
        register(event, "lou@exemple.fr", session_ids=[morning.pk, parallel.pk])
    assert error.value.message_dict == {
        "session_ids": ["Les séances « Matin » et « En parallèle » ont lieu en même temps."]
    }
    with pytest.raises(ValidationError) as error:
        register(event, "lou@exemple.fr", session_ids=[morning.pk, elsewhere.pk])
    assert error.value.message_dict == {
        "session_ids": ["Une des séances choisies n'appartient pas à cet événement."]
    }
    assert not MeetingParticipant.objects.exists() and not SessionRegistration.objects.exists()


def test_a_full_session_without_waiting_list_is_refused_with_nothing_saved(db, sent):
    event = make_event(waiting_list=False)
    small = make_session(event, "Atelier A", 11, 12, capacity=1)
    first = UserFactory(email="un@exemple.fr")
    sent(register, event, first.email, user=first, session_ids=[small.pk])
    second = UserFactory(email="deux@exemple.fr")

    with pytest.raises(ValidationError) as error:
        sent(register, event, second.email, user=second, session_ids=[small.pk])

    assert error.value.message_dict == {"session_ids": ["La séance « Atelier A » est complète."]}
    assert event.participants.count() == 1 and len(mail.outbox) == 1


# --- Cancelling frees the seat: the first waiting is promoted, once -------------------------------------------


def test_cancelling_promotes_the_first_waiting_once_with_one_email(db, sent):
    event = make_event(capacity=1)
    users = [UserFactory(email=f"p{n}@exemple.fr") for n in range(3)]
    holder, first_waiting, second_waiting = (sent(register, event, u.email, user=u) for u in users)
    token = token_of(mail.outbox[0])
    mail.outbox.clear()

    cancelled = sent(services.cancel, participant=selectors.participant_from_token(token))

    assert cancelled.status == RegistrationStatus.CANCELLED and cancelled.cancelled_at is not None
    first_waiting.refresh_from_db()
    second_waiting.refresh_from_db()
    assert (first_waiting.status, second_waiting.status) == ("inscrit", "attente")
    assert first_waiting.promoted_at is not None
    assert selectors.waiting_position(second_waiting) == 1
    assert [(m.to[0], m.subject) for m in mail.outbox] == [
        ("p0@exemple.fr", "Inscription annulée : Atelier partenariat"),
        ("p1@exemple.fr", "Une place s'est libérée : Atelier partenariat"),
    ]
    cancel_file = mail.outbox[0].attachments[0]
    assert cancel_file[2] == "text/calendar; method=CANCEL" and "METHOD:CANCEL" in cancel_file[1]
    promoted = mail.outbox[1]
    assert "votre inscription est confirmée" in promoted.body
    assert f"Visioconférence : {VISIO}" in promoted.body
    assert promoted.attachments[0][0] == "evenement.ics"

    with pytest.raises(ValidationError) as error:
        services.cancel(participant=holder)
    assert error.value.messages == ["Cette inscription est déjà annulée."]
    assert services.promote_waiting(event=event) == 0  # nobody promoted twice
    assert len(mail.outbox) == 2


def test_a_waiting_person_leaving_promotes_nobody(db, sent):
    event = make_event(capacity=1)
    users = [UserFactory(email=f"p{n}@exemple.fr") for n in range(3)]
    _holder, waiting, last = (sent(register, event, u.email, user=u) for u in users)
    mail.outbox.clear()

    sent(services.cancel, participant=waiting)

    last.refresh_from_db()
    assert last.status == "attente" and selectors.waiting_position(last) == 1
    assert [m.to[0] for m in mail.outbox] == ["p1@exemple.fr"]


def test_cancelling_frees_the_session_seat_for_its_first_waiting(db, sent):
    event = make_event()
    small = make_session(event, "Atelier A", 11, 12, capacity=1)
    users = [UserFactory(email=f"p{n}@exemple.fr") for n in range(2)]
    holder, waiting = (sent(register, event, u.email, user=u, session_ids=[small.pk]) for u in users)
    mail.outbox.clear()

    sent(services.cancel, participant=holder, by=None)

    choice = SessionRegistration.objects.get(participant=waiting, session=small)
    assert choice.status == "inscrit" and choice.promoted_at is not None
    assert SessionRegistration.objects.get(participant=holder).status == "annule"
    assert [m.subject for m in mail.outbox] == [
        "Inscription annulée : Atelier partenariat",
        "Une place s'est libérée : Atelier A",
    ]
    assert "Une place s'est libérée à la séance « Atelier A »" in mail.outbox[1].body


def test_staff_raising_the_capacity_promote_the_waiting(db, sent):
    event = make_event(capacity=1)
    users = [UserFactory(email=f"p{n}@exemple.fr") for n in range(3)]
    for user in users:
        sent(register, event, user.email, user=user)
    Meeting.objects.filter(pk=event.pk).update(capacity=3)

    assert sent(services.promote_waiting, event=event) == 2
    assert set(event.participants.values_list("status", flat=True)) == {"inscrit"}


def test_cancelling_after_the_start_is_refused(db, sent):
    event = make_event()
    user = UserFactory(email="p@exemple.fr")
    participant = sent(register, event, user.email, user=user)
    Meeting.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - timedelta(hours=1), ends_at=timezone.now() + timedelta(hours=1)
    )
    with pytest.raises(ValidationError) as error:
        services.cancel(participant=participant)
    assert error.value.messages == ["L'événement a déjà commencé : l'inscription ne peut plus être annulée."]


# --- Change and cancellation notices ----------------------------------------------------------------------


def test_a_change_is_told_once_to_those_registered_or_waiting_with_the_next_sequence(db, sent, staff_user):
    event = make_event(capacity=1)
    users = [UserFactory(email=f"p{n}@exemple.fr") for n in range(2)]
    for user in users:
        sent(register, event, user.email, user=user)
    sent(register, event, "pas-confirme@exemple.fr")
    mail.outbox.clear()

    count = sent(services.event_changed_notify, event=event, by=staff_user, what="Nouvelle salle : salle 4.")

    event.refresh_from_db()
    assert count == 2 and event.sequence == 1
    assert [m.to[0] for m in mail.outbox] == ["p0@exemple.fr", "p1@exemple.fr"]
    registered, waiting = mail.outbox
    assert registered.subject.startswith("Changement : Atelier partenariat, le ")
    assert "Nouvelle salle : salle 4." in registered.body
    assert "SEQUENCE:1" in registered.attachments[0][1].split("\r\n")
    assert waiting.attachments == [] and VISIO not in waiting.body


def test_a_cancelled_event_sends_the_cancellation_for_the_calendar(db, sent, staff_user):
    event = make_event()
    user = UserFactory(email="p@exemple.fr")
    sent(register, event, user.email, user=user)
    mail.outbox.clear()
    Meeting.objects.filter(pk=event.pk).update(status=MeetingStatus.CANCELLED)

    sent(services.event_changed_notify, event=event, by=staff_user)

    [message] = mail.outbox
    assert message.subject.startswith("Événement annulé : Atelier partenariat, le ")
    assert "l'événement « Atelier partenariat » est annulé." in message.body
    filename, content, mimetype = message.attachments[0]
    assert mimetype == "text/calendar; method=CANCEL"
    assert {"METHOD:CANCEL", "STATUS:CANCELLED", "SEQUENCE:1"} <= set(content.split("\r\n"))


# --- Calendar files ----------------------------------------------------------------------------------------


def test_the_visio_link_is_only_in_a_registered_participants_file(db, sent):
    event = make_event(capacity=1)
    users = [UserFactory(email=f"p{n}@exemple.fr") for n in range(2)]
    registered, waiting = (sent(register, event, u.email, user=u) for u in users)

    assert VISIO in ics.event_ics(event, participant=registered)
    assert VISIO not in ics.event_ics(event, participant=waiting)
    assert VISIO not in ics.event_ics(event)
    other_event = make_event()
    assert VISIO not in ics.event_ics(other_event, participant=registered)


def test_the_feed_has_one_event_per_vevent_and_no_visio_link(db):
    start = timezone.make_aware(timezone.datetime(2027, 1, 14, 9, 0))
    first = make_event(title="Journée ; régionale, 2027", starts_at=start, ends_at=start + timedelta(hours=8))
    second = make_event(location="", commune=None)

    feed = ics.calendar_feed([first, second])

    lines = feed.split("\r\n")
    assert lines[:5] == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//COPS Occitanie//Plateforme du partenariat en sante//FR",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    assert lines.count("BEGIN:VEVENT") == 2 and lines[-2] == "END:VCALENDAR"
    assert "SUMMARY:Journée \\; régionale\\, 2027" in lines
    assert "DTSTART:20270114T080000Z" in lines  # 9:00 in Paris in winter
    assert "LOCATION:En ligne" in lines
    assert VISIO not in feed
    assert f"URL:{settings.SITE_URL}/agenda/{first.slug}/" in lines
    assert all(len(line.encode()) <= 75 for line in lines)


# --- Audit: events never in committee pages, committee meetings never in the agenda ---------------------------


@pytest.fixture
def workshop_and_cotec(db):
    user = UserFactory(email="membre@exemple.fr")
    workshop = make_event(title="Atelier secret des usagers")
    MeetingParticipant.objects.create(
        meeting=workshop, user=user, name="Membre", email=user.email, status=RegistrationStatus.CONFIRMED
    )
    past = make_event(title="Atelier passé", days=-30, minutes="Fait", public_minutes="Fait")
    past.minutes_approved_at = timezone.now()
    past.save()
    past.decisions.create(position=1, text="Décision d'atelier")
    meeting = make_meeting(committee("cotec"), title="CoTec de rentrée", is_public=True)
    return user, workshop, meeting


def test_an_event_never_appears_in_committee_lists_or_the_decisions_register(workshop_and_cotec):
    user, workshop, meeting = workshop_and_cotec

    assert list(committee_selectors.upcoming_meetings()) == [meeting]
    assert committee_selectors.upcoming_meetings_count() == 1
    coming, past = committee_selectors.my_meetings(user)
    assert coming == [] and past == []
    assert committee_selectors.is_meeting_member(user, workshop) is False
    assert list(committee_selectors.public_decisions()) == []
    with pytest.raises(Meeting.DoesNotExist):
        committee_selectors.meeting_detail(workshop.pk)


def test_an_event_never_appears_on_committee_pages_or_in_my_space(workshop_and_cotec, client, staff_client):
    user, workshop, _meeting = workshop_and_cotec
    client.force_login(user)

    for name in ("charter:my_meetings", "charter:decisions", "charter:committees"):
        page = client.get(reverse(name))
        assert page.status_code == 200, name
        text = page.content.decode()
        assert "Atelier secret des usagers" not in text and "Décision d'atelier" not in text, name
    space = client.get(reverse("actors:account"))
    assert space.status_code == 200
    # The person's own registration shows in « Mes événements », and in no other section.
    sections = re.findall(r'<section[^>]*id="([\w-]+)".*?</section>', space.content.decode(), flags=re.S)
    holding = [
        key
        for key in sections
        if "Atelier secret des usagers"
        in re.search(rf'<section[^>]*id="{key}".*?</section>', space.content.decode(), flags=re.S).group(0)
    ]
    assert holding == ["evenements"]
    assert staff_client.get(reverse("charter:meeting_detail", args=[workshop.pk])).status_code == 404
    assert client.get(reverse("charter:meeting_ics", args=[workshop.pk])).status_code == 404
    manage = staff_client.get(reverse("charter:committees_manage"))
    assert "Atelier secret des usagers" not in manage.content.decode()


def test_a_committee_meeting_is_never_in_the_agenda_selectors(workshop_and_cotec):
    _user, workshop, meeting = workshop_and_cotec

    assert list(selectors.upcoming_public_events()) == [workshop]
    assert meeting not in selectors.public_events() and meeting not in selectors.events()
    assert selectors.event_by_slug(workshop.slug) == workshop


def test_leaving_a_cancelled_event_promotes_nobody(db, sent):
    event = make_event(capacity=1)
    users = [UserFactory(email=f"p{n}@exemple.fr") for n in range(2)]
    holder, waiting = (sent(register, event, u.email, user=u) for u in users)
    Meeting.objects.filter(pk=event.pk).update(status=MeetingStatus.CANCELLED)
    mail.outbox.clear()

    sent(services.cancel, participant=holder)

    waiting.refresh_from_db()
    assert waiting.status == "attente" and waiting.promoted_at is None
    assert [m.subject for m in mail.outbox] == ["Inscription annulée : Atelier partenariat"]
