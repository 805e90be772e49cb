"""The public agenda: coming events, the month view, past events, an event's page with its
registration form, the personal-link pages of a registration, and the calendar files.

Writes go through actors.events.services (E1's registration engine); the visioconference link is
never on a page nor in a public calendar file: only in a confirmed participant's own .ics.
"""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from actors.charter_enums import EventKind, MeetingStatus, RegistrationStatus
from actors.enums import ModerationStatus
from actors.events import hooks, ics, selectors
from actors.events import services as event_services
from actors.events.forms import AgendaFilterForm, RegistrationForm
from actors.models import Meeting, MeetingParticipant
from actors.models.events import EventDocument
from actors.permissions import directory_viewer_level, is_cops_staff
from cops import dataversions
from cops.fragments import kept_fragment
from cops.memo import ProcessMemo
from cops.ratelimit import limit_secret_guesses, secret_link_found
from cops.uploads import stored_file_response
from cops.views_helpers import add_service_errors

PAST_PER_PAGE = 20
FEED_MAX_AGE = 15 * 60  # seconds: calendar apps poll the feed; a quarter of an hour is fresh enough
SESSION_KEY = "events_registration"


# --- Reads ------------------------------------------------------------------------------------------------


def _with_card_data(events: QuerySet[Meeting]) -> QuerySet[Meeting]:
    confirmed = Count("participants", filter=Q(participants__status=RegistrationStatus.CONFIRMED))
    return (
        events.select_related("commune")
        .prefetch_related("territories")
        .annotate(confirmed_count=confirmed)
        .order_by("starts_at", "pk")
    )


def filtered(events: QuerySet[Meeting], filters: dict) -> QuerySet[Meeting]:
    if filters.get("kind"):
        events = events.filter(kind=filters["kind"])
    if filters.get("audience"):
        events = events.filter(audience=filters["audience"])
    if filters.get("territory"):
        events = events.filter(territories=filters["territory"])
    return events


def coming_events(filters: dict | None = None) -> QuerySet[Meeting]:
    """Public events not over yet (cancelled ones too: the card shows them struck)."""
    return _with_card_data(filtered(selectors.upcoming_public_events(), filters or {}))


@dataclass
class Card:
    event: Meeting
    starts_at: datetime
    ends_at: datetime
    place: str
    territories: list[str]
    is_cancelled: bool
    availability: str
    availability_class: str
    url: str = ""
    extra: dict = field(default_factory=dict)


def card(event: Meeting, now: datetime) -> Card:
    """What a card of the agenda shows; seats are counted from the `confirmed_count` annotation."""
    if event.status == MeetingStatus.CANCELLED:
        text, css = _("Annulé"), "cancelled"
    elif not selectors.is_registration_open(event, now):
        text, css = (
            (_("Inscriptions closes"), "closed") if event.starts_at > now else (_("En cours"), "closed")
        )
    elif event.capacity is None:
        text, css = _("Inscriptions ouvertes"), "open"
    else:
        left = max(event.capacity - getattr(event, "confirmed_count", 0), 0)
        if left == 0:
            text, css = (
                (_("Complet — liste d'attente"), "waiting") if event.waiting_list else (_("Complet"), "full")
            )
        elif left == 1:
            text, css = _("Plus qu'une place"), "open"
        else:
            text, css = _("%(count)s places restantes") % {"count": left}, "open"
    if event.location or event.commune_id:
        place = str(event.commune.name) if event.commune_id else event.location
    else:
        place = _("En ligne")
    return Card(
        event=event,
        starts_at=timezone.localtime(event.starts_at),
        ends_at=timezone.localtime(event.ends_at),
        place=place,
        territories=[t.name for t in event.territories.all()],
        is_cancelled=event.status == MeetingStatus.CANCELLED,
        availability=text,
        availability_class=css,
        url=reverse("events:detail", args=[event.slug]),
    )


def event_when(starts_at: datetime, ends_at: datetime) -> str:
    """« jeudi 15 juin 2023, 9 h 00 – 17 h 00 » (and both days when it spans several)."""
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    day_format, time_format = "l j F Y", "G \\h i"
    if start.date() == end.date():
        return (
            f"{dateformat.format(start, day_format)}, {dateformat.format(start, time_format)} – "
            f"{dateformat.format(end, time_format)}"
        )
    return (
        f"{dateformat.format(start, day_format)}, {dateformat.format(start, time_format)} – "
        f"{dateformat.format(end, day_format)}, {dateformat.format(end, time_format)}"
    )


def _filter_context(request) -> tuple[AgendaFilterForm, dict, str]:
    form = AgendaFilterForm(request.GET or None)
    filters = form.filters()
    query = request.GET.copy()
    query.pop("page", None)
    return form, filters, query.urlencode()


def _filter_fields(form: AgendaFilterForm) -> SafeString:
    """The filters' three lists, kept by what they show: the values chosen and the territories."""
    chosen = tuple(form.data.get(name) for name in form.fields) if form.is_bound else None
    territories = tuple(form.fields["territoire"].queryset.values_list("code", "name"))
    return kept_fragment(
        ("events.filter_fields", chosen, territories),
        lambda: render_to_string("actors/events/_filter_fields.html", {"form": form}),
    )


def _card_key(item: Card) -> tuple:
    """Every value _card.html reads of an agenda card (which shows no documents)."""
    event = item.event
    return (
        event.pk,
        event.kind,
        event.title,
        event.audience,
        event.summary,
        item.starts_at,
        item.place,
        tuple(item.territories),
        item.is_cancelled,
        item.availability,
        item.availability_class,
        item.url,
    )


def _agenda_cards(cards: list[Card]) -> SafeString:
    return kept_fragment(
        ("events.agenda_cards", *(_card_key(item) for item in cards)),
        lambda: render_to_string("actors/events/_card_list.html", {"cards": cards}),
    )


# --- The agenda ---------------------------------------------------------------------------------------------


@require_GET
def agenda(request):
    form, filters, query = _filter_context(request)
    now = timezone.now()
    cards = [card(event, now) for event in coming_events(filters)]
    today = timezone.localdate()
    return render(
        request,
        "actors/events/agenda.html",
        {
            "form": form,
            "filter_fields": _filter_fields(form),
            "cards": cards,
            "cards_html": _agenda_cards(cards),
            "query": query,
            "is_filtered": any(filters.values()),
            "this_month": f"{today:%Y-%m}",
            "can_manage": is_cops_staff(request.user),
        },
    )


@require_GET
def month(request, month: tuple[int, int]):
    year, month = month
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise Http404
    form, filters, query = _filter_context(request)
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    tz = timezone.get_current_timezone()
    start = datetime.combine(first, time.min, tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz)
    now = timezone.now()
    events = filtered(selectors.public_events(), filters).filter(starts_at__lt=end, ends_at__gte=start)
    cards = [card(event, now) for event in _with_card_data(events)]
    by_day: dict[date, list[Card]] = {}
    for item in cards:
        day = max(item.starts_at.date(), first)
        while day <= min(item.ends_at.date(), last):
            by_day.setdefault(day, []).append(item)
            day += timedelta(days=1)
    weeks = [
        [{"day": day, "in_month": day.month == month, "cards": by_day.get(day, [])} for day in week]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ]
    previous = first - timedelta(days=1)
    following = last + timedelta(days=1)
    return render(
        request,
        "actors/events/month.html",
        {
            "form": form,
            "filter_fields": _filter_fields(form),
            "query": query,
            "first": first,
            "weeks": weeks,
            "days": sorted(by_day.items()),
            "weekdays": [dateformat.format(date(2024, 1, day), "l") for day in range(1, 8)],
            "previous": f"{previous:%Y-%m}",
            "following": f"{following:%Y-%m}",
            "today": timezone.localdate(),
        },
    )


@require_GET
def past(request):
    form, filters, query = _filter_context(request)
    now = timezone.now()
    public_documents = Prefetch(
        "documents", queryset=EventDocument.objects.filter(is_public=True), to_attr="public_documents"
    )
    events = (
        filtered(selectors.public_events().filter(ends_at__lt=now), filters)
        .select_related("commune")
        .prefetch_related("territories", public_documents)
        .order_by("-starts_at", "pk")
    )
    page = Paginator(events, PAST_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "actors/events/past.html",
        {
            "form": form,
            "filter_fields": _filter_fields(form),
            "query": query,
            "page": page,
            "cards": [card(event, now) for event in page],
        },
    )


@require_GET
def feed(request):
    """The subscription feed: every coming public event, or those the agenda's filters keep."""
    _form, filters, _query = _filter_context(request)
    events = filtered(selectors.upcoming_public_events(), filters).select_related("commune")
    return ics.calendar_response(
        ics.calendar_feed(events.order_by("starts_at", "pk")),
        filename="agenda-cops-occitanie.ics",
        inline=True,
        cache_control=f"public, max-age={FEED_MAX_AGE}",
    )


# --- An event's page ------------------------------------------------------------------------------------------


def event_or_404(request, slug: str) -> Meeting:
    """A public event for everyone; a draft only for the staff. Never a committee meeting."""
    event = get_object_or_404(selectors.events().select_related("commune"), slug=slug)
    if not event.is_public and not is_cops_staff(request.user):
        raise Http404
    return event


def _own_participant(request, event: Meeting) -> MeetingParticipant | None:
    if not request.user.is_authenticated:
        return None
    return (
        MeetingParticipant.objects.filter(meeting=event, user=request.user)
        .exclude(status=RegistrationStatus.CANCELLED)
        .first()
    )


def _contributors(event: Meeting, level: int) -> tuple[list[dict], list[dict]]:
    """Organisers and speakers: structures once published, persons once they accepted and their
    profile is published, named as the directory lets this viewer see them."""
    from directory.selectors.profiles import person_title

    rows = event.contributors.select_related("person", "structure").order_by("role", "pk")
    organisers, speakers = [], []
    for row in rows:
        if row.structure_id:
            if row.structure.status != ModerationStatus.PUBLISHED:
                continue
            item = {
                "name": row.structure.name,
                "url": reverse("directory:structure_detail", args=[row.structure_id]),
                "detail": row.detail,
                "kind": "structure",
            }
        else:
            if row.accepted_at is None or row.person.status != ModerationStatus.PUBLISHED:
                continue
            item = {
                "name": person_title(row.person, level),
                "url": reverse("directory:person_detail", args=[row.person_id]),
                "detail": row.detail,
                "kind": "person",
            }
        (organisers if row.role == "organisateur" else speakers).append(item)
    return organisers, speakers


def _programme(sessions: list, seats: dict) -> list[dict]:
    """Sessions grouped by time slot; sessions of one slot (parallel tracks) side by side."""
    from actors.events.forms import session_slots

    return [
        {
            "starts_at": timezone.localtime(start),
            "ends_at": timezone.localtime(end),
            "sessions": [{"session": s, "seats_left": seats.get(s.pk)} for s in group],
        }
        for (start, end), group in session_slots(sessions)
    ]


def _form_fields(form: RegistrationForm) -> SafeString:
    """The registration form's fields (not its CSRF token). An unbound form's HTML depends only on
    the event's questions and programme and on the initial name and address: kept by those."""

    def render() -> str:
        return render_to_string("actors/events/_registration_fields.html", {"form": form})

    if form.is_bound:
        return mark_safe(render())  # noqa: S308 (our template, escaped there)
    event = form.event
    key = (
        "events.registration_fields",
        event.pk,
        json.dumps(event.registration_questions, sort_keys=True),
        event.ask_accessibility_needs,
        settings.RETENTION_EVENT_NEEDS_DAYS,
        tuple((s.pk, s.title, s.room, s.track, s.starts_at, s.ends_at) for s in form.sessions),
        tuple(sorted(form.initial.items())),
    )
    return kept_fragment(key, render)


@dataclass(frozen=True)
class EventPage:
    """What an event's page reads from the database for one viewer level (kept: `event_page`)."""

    event: Meeting
    sessions: list
    availability: selectors.Availability
    documents: list[EventDocument]  # all of them: the private ones are for staff and participants
    organisers: list[dict]
    speakers: list[dict]
    territories: list
    projects: list
    after_links: list


# An event's page is read much more often than its data change: kept per process and per token of
# the `event_page` watched set (selectors.EVENT_PAGE_MODELS; cops/dataversions.py), which
# PostgreSQL renews in the commit of any change to those tables (a registration, a seat…).
_event_pages = ProcessMemo(max_entries=512, max_age=300.0)


def _read_event_page(slug: str, level: int) -> EventPage | None:
    event = selectors.event_by_slug(slug)
    if event is None:
        return None
    sessions = selectors.sessions_with_seats(event)
    organisers, speakers = _contributors(event, level)
    return EventPage(
        event=event,
        sessions=sessions,
        availability=selectors.event_availability(event, sessions),
        documents=list(event.documents.all()),
        organisers=organisers,
        speakers=speakers,
        territories=list(event.territories.all()),
        projects=list(event.projects.filter(status=ModerationStatus.PUBLISHED).order_by("title")),
        after_links=hooks.public_links(event),
    )


def event_page_or_404(request, slug: str) -> EventPage:
    """As `event_or_404`, with what the page shows."""
    level = directory_viewer_level(request.user)
    page = dataversions.kept(
        selectors.EVENT_PAGE_SET,
        ("events.detail", slug, level),
        lambda: _read_event_page(slug, level),
        memo=_event_pages,
    )
    if page is None or (not page.event.is_public and not is_cops_staff(request.user)):
        raise Http404
    return page


def _event_context(request, page: EventPage, form: RegistrationForm | None = None) -> dict:
    event, sessions, availability = page.event, page.sessions, page.availability
    now = timezone.now()
    staff = is_cops_staff(request.user)
    own = _own_participant(request, event)
    is_open = selectors.is_registration_open(event, now)
    if is_open and form is None:
        initial = {}
        if request.user.is_authenticated:
            initial = {"name": request.user.get_full_name(), "email": request.user.email}
        form = RegistrationForm(event=event, sessions=sessions, initial=initial)
    may_see_private = staff or (own is not None and own.status == RegistrationStatus.CONFIRMED)
    documents = [d for d in page.documents if d.is_public or may_see_private]
    position = None
    if event.commune_id:
        position = (event.commune.latitude, event.commune.longitude)
    full = availability.seats_left == 0 if availability.seats_left is not None else False
    return {
        "event": event,
        "when": event_when(event.starts_at, event.ends_at),
        "starts_at": timezone.localtime(event.starts_at),
        "ends_at": timezone.localtime(event.ends_at),
        "is_cancelled": event.status == MeetingStatus.CANCELLED,
        "is_past": event.ends_at < now,
        "is_online": not event.location and bool(event.visio_url),
        "territories": page.territories,
        "programme": _programme(sessions, availability.sessions),
        "documents_before": [d for d in documents if d.moment == "avant"],
        "documents_after": [d for d in documents if d.moment == "apres"],
        "organisers": page.organisers,
        "speakers": page.speakers,
        "projects": page.projects,
        "after_links": page.after_links,
        "availability": availability,
        "is_full": full,
        "registration_open": is_open,
        "form": form if is_open else None,
        "form_fields": _form_fields(form) if is_open else "",
        "own_participant": own,
        "can_manage": staff,
        "latitude": position[0] if position else None,
        "longitude": position[1] if position else None,
        "tiles_url": settings.MAP_TILES_URL,
        "tiles_attribution": settings.MAP_TILES_ATTRIBUTION,
    }


@require_GET
def detail(request, slug: str):
    return render(
        request, "actors/events/detail.html", _event_context(request, event_page_or_404(request, slug))
    )


@require_POST
def register(request, slug: str):
    event = event_or_404(request, slug)
    sessions = list(event.sessions.all())
    form = RegistrationForm(request.POST, event=event, sessions=sessions)
    closed = selectors.registration_closed_reason(event)
    if closed:
        messages.error(request, closed)
        return redirect("events:detail", slug=event.slug)
    if form.is_valid():
        data = form.cleaned_data
        try:
            participant = event_services.register(
                event=event,
                name=data["name"],
                email=data["email"],
                user=request.user if request.user.is_authenticated else None,
                answers=form.answers(),
                accessibility_needs=data.get("accessibility_needs", ""),
                session_ids=tuple(data.get("session_ids") or ()),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            request.session[SESSION_KEY] = participant.pk
            return redirect("events:registered", slug=event.slug)
    page = event_page_or_404(request, slug)  # what the page shows around the form, as it is now
    return render(request, "actors/events/detail.html", _event_context(request, page, form), status=400)


@never_cache
@require_GET
def registered(request, slug: str):
    """The result of a registration: check your inbox / you are registered / waiting list (N)."""
    event = event_or_404(request, slug)
    pk = request.session.get(SESSION_KEY)
    participant = MeetingParticipant.objects.filter(pk=pk, meeting=event).first() if pk else None
    if participant is None:
        return redirect("events:detail", slug=event.slug)
    return render(
        request,
        "actors/events/registered.html",
        {
            "event": event,
            "participant": participant,
            "when": event_when(event.starts_at, event.ends_at),
            "position": selectors.waiting_position(participant),
        },
    )


@require_GET
def event_ics(request, slug: str):
    """« Ajouter à mon agenda »: the event without its visioconference link."""
    event = event_or_404(request, slug)
    return ics.calendar_response(ics.event_ics(event, method="PUBLISH"), filename=f"{event.slug}.ics")


@require_GET
def document(request, slug: str, pk: int):
    """Public documents for everyone; the others for confirmed participants and the staff."""
    event = event_or_404(request, slug)
    item = get_object_or_404(EventDocument, pk=pk, event=event)
    if not item.is_public:
        own = _own_participant(request, event)
        if not (is_cops_staff(request.user) or (own and own.status == RegistrationStatus.CONFIRMED)):
            raise Http404
    name = slugify(f"{event.title} {item.title}")[:120] or "document"
    return stored_file_response(
        item.file, filename=f"{name}.{item.file_format}", file_format=item.file_format
    )


# --- Personal links (emailed) -------------------------------------------------------------------------


@never_cache
@limit_secret_guesses
@require_GET
def confirm(request, token: str):
    """The link of the « check your inbox » email: the address is confirmed, the seat counted."""
    if selectors.participant_from_token(token) is None:
        return render(request, "actors/events/link_invalid.html", {}, status=404)
    try:
        participant = event_services.confirm_email(token=token)
    except ValidationError as error:
        secret_link_found(request)  # a genuine link, refused for another reason (e.g. closed)
        return render(
            request, "actors/events/link_invalid.html", {"messages_list": error.messages}, status=400
        )
    secret_link_found(request)
    event = participant.meeting
    return render(
        request,
        "actors/events/registered.html",
        {
            "event": event,
            "participant": participant,
            "when": event_when(event.starts_at, event.ends_at),
            "position": selectors.waiting_position(participant),
            "token": token,
            "already_confirmed": getattr(participant, "already_confirmed", False),
        },
    )


def _participant_or_404(request, token: str) -> MeetingParticipant:
    participant = selectors.participant_from_token(token)
    if participant is None or participant.meeting.kind == EventKind.COMMITTEE:
        raise Http404
    secret_link_found(request)
    return participant


@never_cache
@limit_secret_guesses
@require_http_methods(["GET", "POST"])
def manage(request, token: str):
    """A registration's own page: its status, the sessions chosen, cancel, my calendar file."""
    participant = _participant_or_404(request, token)
    event = participant.meeting
    if request.method == "POST":
        if participant.status == RegistrationStatus.CANCELLED:
            messages.info(request, _("Votre inscription était déjà annulée."))
        else:
            try:
                event_services.cancel(participant=participant)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("Votre inscription est annulée. Votre place est libérée."))
        return redirect("events:manage", token=token)
    choices = selectors.session_choices(participant)
    return render(
        request,
        "actors/events/manage.html",
        {
            "event": event,
            "participant": participant,
            "token": token,
            "when": event_when(event.starts_at, event.ends_at),
            "choices": choices,
            "position": selectors.waiting_position(participant),
            "is_past": event.ends_at < timezone.now(),
            "is_cancelled": event.status == MeetingStatus.CANCELLED,
        },
    )


@never_cache
@limit_secret_guesses
@require_GET
def manage_ics(request, token: str):
    """The participant's own calendar file: with the visioconference link once confirmed."""
    participant = _participant_or_404(request, token)
    event = participant.meeting
    return ics.calendar_response(
        ics.event_ics(event, participant=participant, method="PUBLISH"),
        filename=f"{event.slug}.ics",
        cache_control="private, no-store",
    )
