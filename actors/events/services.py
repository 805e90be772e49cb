"""Writes about the community's events: registrations, seats and waiting lists, personal links,
notices of change, reminders.

Seats. Only a confirmed registration (« inscrit ») holds a seat; an address not yet confirmed
holds none until its confirmation, which takes a seat then (or a place on the waiting list).
Every write that counts seats first locks the event row, then the sessions' rows in id order:
registrations, confirmations and cancellations of one event run one after the other, so the seats
are never oversold and `registered_at` (taken under the lock) is the order of the commits.

Emails go through the outbox (cops.mail.send_templated_email), in the transaction that changes
the row: a rollback leaves no email, a commit leaves exactly one.

Personal links. One secret per registration, in every email of it (confirm the address, manage or
cancel, download one's calendar file); the database keeps only its SHA-256 (`response_token_hash`,
cops.tokens). The secret is derived from SECRET_KEY and the row (not drawn at random) because
every email must carry the same working link — the confirmation's second click, the cancel link in
a reminder — and the raw secret is never stored.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Max, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from actors.charter_enums import EventKind, MeetingStatus, RegistrationStatus
from actors.events import ics
from actors.events.selectors import (
    Availability,
    event_availability,
    participant_from_token,
    registration_closed_reason,
    waiting_position,
)
from actors.models import EventSession, Meeting, MeetingParticipant, SessionRegistration, User
from cops.mail import send_templated_email
from cops.tokens import hash_token

__all__ = [
    "Availability",
    "cancel",
    "close_registration",
    "confirm_email",
    "event_availability",
    "event_changed_notify",
    "event_reminders_send",
    "participant_from_token",
    "personal_links",
    "promote_waiting",
    "register",
    "send_claimed_once",
]

logger = logging.getLogger(__name__)

EMAILS = "actors/events/emails/"
HOLDING = (RegistrationStatus.UNVERIFIED, RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)


# --- Personal links -------------------------------------------------------------------------------------


def personal_token(participant: MeetingParticipant) -> str:
    """The registration's secret (43 URL-safe characters, 256 bits): HMAC of SECRET_KEY over the row's
    identity, so that each email can carry it again. A new address (anonymisation) changes it."""
    digest = salted_hmac(
        "actors.events.personal_link",
        f"{participant.pk}:{participant.meeting_id}:{participant.email}:{participant.added_at.isoformat()}",
        algorithm="sha256",
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass(frozen=True)
class PersonalLinks:
    confirm: str
    manage: str
    calendar: str  # the participant's own .ics (with the visio link once registered)


def personal_links(participant: MeetingParticipant) -> PersonalLinks:
    """The absolute URLs of the participant's personal pages; stores the secret's hash if it is new."""
    raw = personal_token(participant)
    digest = hash_token(raw)
    if participant.response_token_hash != digest:
        participant.response_token_hash = digest
        MeetingParticipant.objects.filter(pk=participant.pk).update(response_token_hash=digest)
    return PersonalLinks(
        confirm=settings.SITE_URL + reverse("events:confirm", args=[raw]),
        manage=settings.SITE_URL + reverse("events:manage", args=[raw]),
        calendar=settings.SITE_URL + reverse("events:manage_ics", args=[raw]),
    )


# --- Emails ---------------------------------------------------------------------------------------------


def _send(
    template: str, participant: MeetingParticipant, *, ics_method: str | None = None, **context
) -> None:
    """One email of a registration, with its personal links; the .ics attached when `ics_method`."""
    event = participant.meeting
    attachments = None
    if ics_method:
        content = ics.event_ics(event, participant=participant, method=ics_method)
        attachments = [("evenement.ics", content, f"text/calendar; method={ics_method}")]
    send_templated_email(
        to=participant.email,
        template=EMAILS + template,
        context={
            "participant": participant,
            "event": event,
            "event_url": ics.event_url(event),
            "place": ics.event_place(event),
            "links": personal_links(participant),
            "sessions": _session_lines(participant),
            **context,
        },
        attachments=attachments,
    )


def _session_lines(participant: MeetingParticipant) -> list[SessionRegistration]:
    return list(
        participant.session_choices.exclude(status=RegistrationStatus.CANCELLED)
        .select_related("session")
        .order_by("session__starts_at", "session__track", "session_id")
    )


def _send_outcome(participant: MeetingParticipant) -> None:
    """The email saying where a registration stands once its address is known to be right."""
    if participant.status == RegistrationStatus.CONFIRMED:
        _send("registration_confirmed", participant, ics_method="PUBLISH")
    elif participant.status == RegistrationStatus.WAITING:
        _send("registration_waiting", participant, position=waiting_position(participant))


# --- Checks ---------------------------------------------------------------------------------------------


def _check_open(event: Meeting) -> None:
    reason = registration_closed_reason(event)
    if reason:
        raise ValidationError(reason)


def _clean_answers(event: Meeting, answers: dict) -> dict:
    """The answers to the staff's questions, by code: required ones present, choices among those
    offered, unknown codes dropped. Errors are keyed `question_<code>`."""
    cleaned, errors = {}, {}
    for question in event.registration_questions or []:
        code = question.get("code")
        if not code:
            continue
        value = answers.get(code, "")
        value = value.strip() if isinstance(value, str) else value
        if question.get("kind") == "choix" and value and value not in (question.get("choices") or []):
            errors[f"question_{code}"] = _("Choisissez une des réponses proposées.")
        elif question.get("required") and not value:
            errors[f"question_{code}"] = _("Merci de répondre à la question « %(label)s ».") % {
                "label": question.get("label", code)
            }
        elif value:
            cleaned[code] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_sessions(event: Meeting, sessions: list[EventSession], wanted: list[int]) -> None:
    if len(sessions) != len(wanted) or any(session.event_id != event.pk for session in sessions):
        raise ValidationError(
            {"session_ids": _("Une des séances choisies n'appartient pas à cet événement.")}
        )
    ordered = sorted(sessions, key=lambda session: session.starts_at)
    for index, first in enumerate(ordered):
        for second in ordered[index + 1 :]:
            if second.starts_at >= first.ends_at:
                break
            raise ValidationError(
                {
                    "session_ids": _("Les séances « %(first)s » et « %(second)s » ont lieu en même temps.")
                    % {"first": first.title, "second": second.title}
                }
            )


def _next_arrival(event: Meeting) -> datetime:
    """Now, or just after the latest arrival of this event: strictly increasing under the event lock."""
    now = timezone.now()
    latest = event.participants.aggregate(latest=Max("registered_at"))["latest"]
    if latest is not None and latest >= now:
        return latest + timedelta(microseconds=1)
    return now


def _confirmed_count(event: Meeting) -> int:
    return event.participants.filter(status=RegistrationStatus.CONFIRMED).count()


def _session_taken(session: EventSession) -> int:
    return session.registrations.filter(status=RegistrationStatus.CONFIRMED).count()


def _full_message(event: Meeting) -> str:
    return _("L'événement « %(title)s » est complet.") % {"title": event.title}


def _session_full_message(session: EventSession) -> str:
    return _("La séance « %(title)s » est complète.") % {"title": session.title}


# --- Seats (the event row is locked by the caller) -------------------------------------------------------


def _take_seat(event: Meeting, participant: MeetingParticipant, *, may_wait: bool) -> None:
    """Give the participant a seat, else a place on the waiting list, else refuse (rolls back)."""
    if event.capacity is None or _confirmed_count(event) < event.capacity:
        participant.status = RegistrationStatus.CONFIRMED
    elif may_wait:
        participant.status = RegistrationStatus.WAITING
    else:
        raise ValidationError(_full_message(event))


def _seat_sessions(participant: MeetingParticipant, now: datetime, *, may_wait: bool) -> None:
    """A participant who just got their seat takes a seat in each chosen session (sessions locked
    by id), or joins its waiting list from now on; without a waiting list, a full session refuses."""
    pending = list(
        participant.session_choices.filter(status=RegistrationStatus.WAITING, promoted_at__isnull=True)
        .select_related("session")
        .order_by("session_id")
    )
    if not pending:
        return
    list(
        EventSession.objects.select_for_update().filter(pk__in=[c.session_id for c in pending]).order_by("pk")
    )
    for choice in pending:
        session = choice.session
        choice.registered_at = now
        if session.capacity is None or _session_taken(session) < session.capacity:
            choice.status = RegistrationStatus.CONFIRMED
        elif not may_wait:
            raise ValidationError({"session_ids": _session_full_message(session)})
        choice.save(update_fields=["status", "registered_at"])


def _promote_event(event: Meeting, now: datetime) -> list[MeetingParticipant]:
    """Fill the event's free seats from its waiting list, first arrived first. Each promotion is
    claimed (UPDATE … WHERE promoted_at IS NULL) before its email: once, whoever else runs."""
    promoted = []
    if event.status == MeetingStatus.CANCELLED or event.ends_at <= now:
        return promoted  # nobody is told « a seat is free » for an event that will not take place
    while event.capacity is None or _confirmed_count(event) < event.capacity:
        first = (
            event.participants.filter(status=RegistrationStatus.WAITING, promoted_at__isnull=True)
            .order_by("registered_at", "pk")
            .first()
        )
        if first is None:
            break
        claimed = MeetingParticipant.objects.filter(
            pk=first.pk, status=RegistrationStatus.WAITING, promoted_at__isnull=True
        ).update(status=RegistrationStatus.CONFIRMED, promoted_at=now)
        if not claimed:
            break
        first.refresh_from_db()
        _seat_sessions(first, now, may_wait=True)
        first.meeting = event
        _send("registration_promoted", first, ics_method="PUBLISH", session=None)
        promoted.append(first)
    return promoted


def _promote_session(event: Meeting, session: EventSession, now: datetime) -> list[SessionRegistration]:
    """Fill a session's free seats from its waiting list (confirmed participants only), claimed once."""
    promoted = []
    if event.status == MeetingStatus.CANCELLED or session.ends_at <= now:
        return promoted
    while session.capacity is None or _session_taken(session) < session.capacity:
        first = (
            session.registrations.filter(
                status=RegistrationStatus.WAITING,
                promoted_at__isnull=True,
                participant__status=RegistrationStatus.CONFIRMED,
            )
            .select_related("participant__meeting")
            .order_by("registered_at", "pk")
            .first()
        )
        if first is None:
            break
        claimed = SessionRegistration.objects.filter(
            pk=first.pk, status=RegistrationStatus.WAITING, promoted_at__isnull=True
        ).update(status=RegistrationStatus.CONFIRMED, promoted_at=now)
        if not claimed:
            break
        _send("registration_promoted", first.participant, session=session)
        promoted.append(first)
    return promoted


def promote_waiting(*, event: Meeting) -> int:
    """Give the free seats to the people waiting (after staff raised the capacity of the event or of
    a session). Returns how many were promoted."""
    with transaction.atomic():
        event = Meeting.objects.select_for_update().get(pk=event.pk)
        now = timezone.now()
        count = len(_promote_event(event, now))
        for session in EventSession.objects.select_for_update().filter(event=event).order_by("pk"):
            count += len(_promote_session(event, session, now))
    return count


# --- Registration ---------------------------------------------------------------------------------------


def register(
    *,
    event: Meeting,
    name: str,
    email: str,
    user: User | None = None,
    answers: dict | None = None,
    accessibility_needs: str = "",
    session_ids: Iterable[int] = (),
    join_waiting_list: bool = True,
) -> MeetingParticipant:
    """Register someone to an event (with or without an account) and send the matching email.

    A signed-in `user` registering with their own verified account address is confirmed at once:
    status « inscrit » (seat taken) or « attente » (full; the waiting list). Anyone else gets
    status « a_confirmer » and an email with their personal link; `confirm_email` takes the seat.
    `session_ids`: the programme's sessions chosen (none may overlap another); each gets a seat or a
    place on its own waiting list once the person holds an event seat.

    Raises ValidationError (French) and saves nothing when: registration is closed (staff, date,
    begun, cancelled), the address already holds a registration, the event (or a session) is full
    and there is no waiting list (or `join_waiting_list` is False), sessions overlap or belong to
    another event, a required question is unanswered. Keys: "email", "name", "session_ids",
    "question_<code>", else non-field.
    """
    name, email = name.strip(), email.strip().lower()
    errors = {}
    if not name:
        errors["name"] = _("Indiquez votre nom.")
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = _("Saisissez une adresse électronique valide.")
    if errors:
        raise ValidationError(errors)
    answers = _clean_answers(event, answers or {})
    wanted = sorted({int(pk) for pk in session_ids})
    verified = bool(
        user is not None
        and user.is_authenticated
        and user.email_verified_at is not None
        and user.email.lower() == email
    )
    may_wait = join_waiting_list and event.waiting_list
    with transaction.atomic():
        event = Meeting.objects.select_for_update().get(pk=event.pk)
        _check_open(event)
        sessions = list(EventSession.objects.select_for_update().filter(pk__in=wanted).order_by("pk"))
        _check_sessions(event, sessions, wanted)
        participant = event.participants.filter(email=email).first()
        if participant is not None and participant.status in HOLDING:
            raise ValidationError({"email": _("Cette adresse est déjà inscrite à cet événement.")})
        if participant is not None and participant.status == RegistrationStatus.INVITED:
            raise ValidationError({"email": _("Cette adresse figure déjà parmi les invités.")})
        if not may_wait:
            # Refused now rather than after the address is confirmed, when it is full already.
            if event.capacity is not None and _confirmed_count(event) >= event.capacity:
                raise ValidationError(_full_message(event))
            for session in sessions:
                if session.capacity is not None and _session_taken(session) >= session.capacity:
                    raise ValidationError({"session_ids": _session_full_message(session)})
        now = _next_arrival(event)
        account = user if user is not None and user.is_authenticated else None
        values = {
            "name": name,
            "user": account,
            "person": getattr(account, "person", None) if account else None,
            "answers": answers,
            "accessibility_needs": accessibility_needs.strip() if event.ask_accessibility_needs else "",
            "status": RegistrationStatus.UNVERIFIED,
            "registered_at": now,
            "email_verified_at": now if verified else None,
            "promoted_at": None,
            "cancelled_at": None,
            "week_reminder_sent_at": None,
            "day_reminder_sent_at": None,
        }
        if participant is None:
            participant = MeetingParticipant.objects.create(meeting=event, email=email, **values)
        else:
            # A cancelled registration of the same address comes back (one row per address).
            for attribute, value in values.items():
                setattr(participant, attribute, value)
            participant.save()
            participant.session_choices.all().delete()
        participant.meeting = event
        # Chosen sessions wait for the event seat (status « attente », not yet promoted).
        SessionRegistration.objects.bulk_create(
            SessionRegistration(
                session=session, participant=participant, status=RegistrationStatus.WAITING, registered_at=now
            )
            for session in sessions
        )
        if verified:
            _take_seat(event, participant, may_wait=may_wait)
            participant.save(update_fields=["status"])
            if participant.status == RegistrationStatus.CONFIRMED:
                _seat_sessions(participant, now, may_wait=may_wait)
            _send_outcome(participant)
        else:
            _send("registration_received", participant)
    return participant


def confirm_email(*, token: str) -> MeetingParticipant:
    """The personal link of the « confirm your address » email: the registration takes a seat (or a
    place on the waiting list, arrival counted from now) and its email goes. Idempotent: a second
    click changes nothing and sends nothing; `participant.already_confirmed` tells the view.

    If the event is full without a waiting list by then, the registration is cancelled (status
    « annule ») and the person told on the page. Raises ValidationError for an unknown link, or
    when registration has closed meanwhile (the registration stays unconfirmed)."""
    found = participant_from_token(token)
    if found is None:
        raise ValidationError(_("Ce lien n'est pas ou plus valable."))
    with transaction.atomic():
        event = Meeting.objects.select_for_update().get(pk=found.meeting_id)
        participant = MeetingParticipant.objects.select_for_update().get(pk=found.pk)
        participant.meeting = event
        if participant.status != RegistrationStatus.UNVERIFIED:
            participant.already_confirmed = True
            return participant
        participant.already_confirmed = False
        _check_open(event)
        now = _next_arrival(event)
        participant.email_verified_at = now
        participant.registered_at = now
        try:
            _take_seat(event, participant, may_wait=event.waiting_list)
        except ValidationError:
            participant.status = RegistrationStatus.CANCELLED
            participant.cancelled_at = now
            participant.save(update_fields=["status", "email_verified_at", "registered_at", "cancelled_at"])
            participant.session_choices.update(status=RegistrationStatus.CANCELLED)
            return participant
        participant.save(update_fields=["status", "email_verified_at", "registered_at"])
        if participant.status == RegistrationStatus.CONFIRMED:
            _seat_sessions(participant, now, may_wait=True)
        _send_outcome(participant)
    return participant


def cancel(*, participant: MeetingParticipant, by: User | None = None) -> MeetingParticipant:
    """Cancel a registration (the person's own link, or the staff: `by`). Its seats go to the first
    people waiting — for the event and for each session it held — each promoted and emailed once.
    The person gets the cancellation's email (with the calendar file removing the event)."""
    with transaction.atomic():
        event = Meeting.objects.select_for_update().get(pk=participant.meeting_id)
        participant = MeetingParticipant.objects.select_for_update().get(pk=participant.pk)
        participant.meeting = event
        if participant.status not in HOLDING:
            raise ValidationError(_("Cette inscription est déjà annulée."))
        if event.starts_at <= timezone.now():
            raise ValidationError(_("L'événement a déjà commencé : l'inscription ne peut plus être annulée."))
        held_seat = participant.status == RegistrationStatus.CONFIRMED
        now = timezone.now()
        freed = list(
            EventSession.objects.select_for_update()
            .filter(
                registrations__participant=participant, registrations__status=RegistrationStatus.CONFIRMED
            )
            .order_by("pk")
        )
        was_unverified = participant.status == RegistrationStatus.UNVERIFIED
        participant.status, participant.cancelled_at = RegistrationStatus.CANCELLED, now
        participant.save(update_fields=["status", "cancelled_at"])
        participant.session_choices.update(status=RegistrationStatus.CANCELLED)
        if not was_unverified:
            _send(
                "registration_cancelled",
                participant,
                ics_method="CANCEL",
                by_staff=by is not None and by.is_staff,
            )
        if held_seat:
            _promote_event(event, now)
            for session in freed:
                _promote_session(event, session, now)
    return participant


def close_registration(*, event: Meeting, by: User) -> Meeting:
    """The staff close the registrations now (the people registered or waiting stay)."""
    with transaction.atomic():
        event = Meeting.objects.select_for_update().get(pk=event.pk)
        if event.registration_open:
            event.registration_open = False
            event.save(update_fields=["registration_open", "updated_at"])
    return event


def event_changed_notify(*, event: Meeting, by: User, what: str = "") -> int:
    """Tell every registered or waiting person that the event changed (`what`: the staff's words,
    e.g. « Nouvel horaire : 14 h ») or is cancelled (event status « annulee »), with the updated
    calendar file (SEQUENCE + 1; METHOD:CANCEL for a cancellation). One call = one notice each.
    The reminders still ahead of the (new) date are due again. Returns the number of emails."""
    with transaction.atomic():
        event = Meeting.objects.select_for_update().get(pk=event.pk)
        if event.kind == EventKind.COMMITTEE:
            raise ValidationError(_("Une réunion d'instance prévient ses invités par sa propre invitation."))
        event.sequence += 1
        event.save(update_fields=["sequence", "updated_at"])
        now = timezone.now()
        is_cancelled = event.status == MeetingStatus.CANCELLED
        if not is_cancelled:
            if event.starts_at - timedelta(days=7) > now:
                event.participants.update(week_reminder_sent_at=None)
            if event.starts_at - timedelta(days=1) > now:
                event.participants.update(day_reminder_sent_at=None)
        people = list(
            event.participants.filter(
                status__in=[RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING]
            ).order_by("registered_at", "pk")
        )
        for participant in people:
            participant.meeting = event
            method = "CANCEL" if is_cancelled else "PUBLISH"
            with_file = is_cancelled or participant.status == RegistrationStatus.CONFIRMED
            _send(
                "event_changed",
                participant,
                ics_method=method if with_file else None,
                what=what.strip(),
                is_cancelled=is_cancelled,
            )
    return len(people)


# --- Reminders (claimed once each) -------------------------------------------------------------------------


def send_claimed_once(rows: QuerySet, *, field: str, send: Callable[[object], Iterable[str] | None]) -> bool:
    """Claim one row of `rows` whose `field` is still empty, send its email, set `field`: in one
    transaction, the row locked (SKIP LOCKED, so two workers never take the same one). A worker
    killed before the commit leaves neither the email nor the claim; after it, both. `send` may
    return other fields of the row it changed, saved with the claim. Returns False when no row is
    left. The pipeline of every reminder: committee meetings' (actors.services.committees) and events'."""
    with transaction.atomic():
        row = (
            rows.filter(**{f"{field}__isnull": True})
            .select_for_update(skip_locked=True, of=("self",))
            .first()
        )
        if row is None:
            return False
        also = list(send(row) or [])
        setattr(row, field, timezone.now())
        row.save(update_fields=[field, *also])
    return True


REMINDERS = (
    # (field, days before, template): the week's reminder then the day's.
    ("week_reminder_sent_at", 7, "reminder_week"),
    ("day_reminder_sent_at", 1, "reminder_day"),
)


def _due_reminders(field: str, days: int, now: datetime) -> QuerySet[MeetingParticipant]:
    """Confirmed participants of events (not cancelled) starting within `days` — and after the next,
    shorter reminder's window — who registered before that window opened (a person registered the
    day before gets the confirmation, not a reminder the same hour)."""
    shorter = [d for _f, d, _t in REMINDERS if d < days]
    rows = (
        MeetingParticipant.objects.exclude(meeting__kind=EventKind.COMMITTEE)
        .exclude(meeting__status=MeetingStatus.CANCELLED)
        .filter(
            status=RegistrationStatus.CONFIRMED,
            meeting__starts_at__gt=now + timedelta(days=max(shorter)) if shorter else now,
            meeting__starts_at__lte=now + timedelta(days=days),
            registered_at__lt=F("meeting__starts_at") - timedelta(days=days),
        )
        .select_related("meeting__commune")
        .order_by("meeting__starts_at", "pk")
    )
    return rows


def event_reminders_send(*, now: datetime | None = None) -> int:
    """Send the reminders due (7 days and 1 day before), each at most once per participant."""
    now = now or timezone.now()
    sent = 0
    for field, days, template in REMINDERS:

        def send(participant, template=template):
            _send(template, participant, ics_method="PUBLISH")

        while send_claimed_once(_due_reminders(field, days, now), field=field, send=send):
            sent += 1
    if sent:
        logger.info("%s event reminder(s) sent", sent)
    return sent
