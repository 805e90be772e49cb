"""Reads about the community's events: seats left, waiting-list positions, the public agenda's
base query, a participant found by their personal link."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from actors.charter_enums import EventKind, MeetingStatus, RegistrationStatus
from actors.models import EventSession, Meeting, MeetingParticipant, SessionRegistration
from cops.tokens import hash_token, is_well_formed

# What an event's public page reads (actors.events.views keeps it per version of these tables;
# barometer/apps.py adds the satisfaction questionnaires, whose published results it links to).
EVENT_PAGE_SET = "event_page"
EVENT_PAGE_MODELS = (
    "actors.Meeting",
    "actors.Meeting_territories",
    "actors.Departement",
    "actors.Commune",
    "actors.EventSession",
    "actors.SessionRegistration",
    "actors.MeetingParticipant",
    "actors.EventDocument",
    "actors.EventContributor",
    "actors.Person",
    "actors.Structure",
    "directory.Project",
    "directory.Project_events",
)


def events() -> QuerySet[Meeting]:
    """Every event of the community: never a committee meeting (those belong to their committee)."""
    return Meeting.objects.exclude(kind=EventKind.COMMITTEE)


def public_events() -> QuerySet[Meeting]:
    """What the public agenda may list: published events, committee meetings never."""
    return events().filter(is_public=True)


def upcoming_public_events() -> QuerySet[Meeting]:
    """Coming (or still running) public events, soonest first; the cancelled ones are kept so that the
    agenda can show them struck out."""
    return public_events().filter(ends_at__gt=timezone.now()).order_by("starts_at", "pk")


def event_by_slug(slug: str) -> Meeting | None:
    return events().select_related("commune").filter(slug=slug).first()


# --- Seats --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Availability:
    """`seats_left` None = no limit; `waiting` = people on the event's waiting list;
    `sessions` = {session id: seats left, None when that session has no limit}."""

    seats_left: int | None
    waiting: int
    sessions: dict[int, int | None] = field(default_factory=dict)

    @property
    def is_full(self) -> bool:
        return self.seats_left == 0


def sessions_with_seats(event: Meeting) -> list[EventSession]:
    """The event's sessions in the programme's order, each annotated with `taken` (its confirmed
    registrations)."""
    return list(
        EventSession.objects.filter(event=event)
        .annotate(taken=Count("registrations", filter=Q(registrations__status=RegistrationStatus.CONFIRMED)))
        .order_by("starts_at", "track", "pk")
    )


def event_availability(event: Meeting, sessions: list[EventSession] | None = None) -> Availability:
    """Seats left for the event and for each of its sessions (two queries; one when `sessions`
    already come from `sessions_with_seats`). Only confirmed registrations hold a seat: an address
    not yet confirmed does not."""
    counts = event.participants.aggregate(
        confirmed=Count("pk", filter=Q(status=RegistrationStatus.CONFIRMED)),
        waiting=Count("pk", filter=Q(status=RegistrationStatus.WAITING)),
    )
    if sessions is None:
        sessions = sessions_with_seats(event)
    return Availability(
        seats_left=None if event.capacity is None else max(0, event.capacity - counts["confirmed"]),
        waiting=counts["waiting"],
        sessions={
            session.pk: None if session.capacity is None else max(0, session.capacity - session.taken)
            for session in sorted(sessions, key=lambda session: session.pk)
        },
    )


def waiting_position(participant: MeetingParticipant) -> int | None:
    """1 for the first person waiting; None when the participant is not on the waiting list."""
    if participant.status != RegistrationStatus.WAITING:
        return None
    return (
        MeetingParticipant.objects.filter(
            Q(registered_at__lt=participant.registered_at)
            | Q(registered_at=participant.registered_at, pk__lt=participant.pk),
            meeting_id=participant.meeting_id,
            status=RegistrationStatus.WAITING,
        ).count()
        + 1
    )


def session_choices(participant: MeetingParticipant) -> list[SessionRegistration]:
    """The participant's sessions (cancelled ones left out), in the programme's order."""
    return list(
        participant.session_choices.exclude(status=RegistrationStatus.CANCELLED)
        .select_related("session")
        .order_by("session__starts_at", "session__track", "session_id")
    )


def participant_from_token(token: str) -> MeetingParticipant | None:
    """The registration whose personal link (confirm address, manage, calendar file) carries `token`,
    looked up by its hash (cops.tokens), or None. Only event registrations: a committee invitation's
    link is read by actors.selectors.committees.participant_by_token.

    The views calling this are decorated with cops.ratelimit.limit_secret_guesses and call
    secret_link_found(request) once it returned a participant, like the other secret links."""
    if not is_well_formed(token):
        return None
    return (
        MeetingParticipant.objects.select_related("meeting__commune", "user")
        .exclude(meeting__kind=EventKind.COMMITTEE)
        .filter(response_token_hash=hash_token(token))
        .first()
    )


def is_registration_open(event: Meeting, now=None) -> bool:
    """Open: staff opened it, not closed by date, not begun, not cancelled, not a committee meeting."""
    return registration_closed_reason(event, now) == ""


def registration_closed_reason(event: Meeting, now=None) -> str:
    """Why nobody may register now (French, for the page and the service), or "" when open."""
    now = now or timezone.now()
    if event.kind == EventKind.COMMITTEE:
        return _("Les réunions d'instance se font sur invitation.")
    if event.status == MeetingStatus.CANCELLED:
        return _("Cet événement est annulé.")
    if event.starts_at <= now:
        return _("Cet événement a déjà commencé : les inscriptions sont closes.")
    if not event.registration_open:
        return _("Les inscriptions à cet événement sont closes.")
    if event.registration_closes_at is not None and event.registration_closes_at <= now:
        return _("Les inscriptions à cet événement sont closes depuis le %(date)s.") % {
            "date": formats.date_format(timezone.localtime(event.registration_closes_at), "j F Y à H:i")
        }
    return ""
