"""Calendar files (iCalendar, RFC 5545) for committee meetings and the community's events.

One writer for every .ics of the platform: a meeting's invitation, a participant's confirmation,
the change or cancellation notice, and the agenda's subscription feed. Times are written in UTC
(`…Z`), so no VTIMEZONE block is needed; the same UID with a higher SEQUENCE updates the entry
already in a calendar.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from actors.charter_enums import MeetingStatus, RegistrationStatus
from actors.models import Meeting, MeetingParticipant

PRODID = "PRODID:-//COPS Occitanie//Plateforme du partenariat en sante//FR"


def ics_escape(text: str) -> str:
    return (
        (text or "")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def ics_fold(line: str) -> str:
    """Lines longer than 75 octets are folded (CRLF + space), never inside a UTF-8 character."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        piece = char.encode("utf-8")
        if len(current) + len(piece) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += piece
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def ics_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _organizer() -> str:
    organizer_email = settings.DEFAULT_FROM_EMAIL.rsplit("<", 1)[-1].rstrip(">").strip()
    return f"ORGANIZER;CN={ics_escape('COPS Occitanie')}:mailto:{organizer_email}"


def _vevent(
    *, meeting: Meeting, summary: str, location: str, description: str, url: str, stamp: datetime
) -> list[str]:
    status = "CANCELLED" if meeting.status == MeetingStatus.CANCELLED else "CONFIRMED"
    return [
        "BEGIN:VEVENT",
        f"UID:{meeting.uid}@cops-occitanie",
        f"SEQUENCE:{meeting.sequence}",
        f"DTSTAMP:{ics_time(stamp)}",
        f"DTSTART:{ics_time(meeting.starts_at)}",
        f"DTEND:{ics_time(meeting.ends_at)}",
        f"SUMMARY:{ics_escape(summary)}",
        f"LOCATION:{ics_escape(location)}",
        f"DESCRIPTION:{ics_escape(description)}",
        f"URL:{url}",
        _organizer(),
        f"STATUS:{status}",
        "END:VEVENT",
    ]


def _calendar(vevents: list[list[str]], *, method: str, extra: tuple[str, ...] = ()) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", PRODID, "CALSCALE:GREGORIAN", f"METHOD:{method}", *extra]
    for vevent in vevents:
        lines.extend(vevent)
    lines.append("END:VCALENDAR")
    return "\r\n".join(ics_fold(line) for line in lines) + "\r\n"


# --- Committee meetings -----------------------------------------------------------------------------


def meeting_ics(meeting: Meeting, *, method: str = "REQUEST") -> str:
    """The meeting as a calendar event; the same UID with a higher SEQUENCE updates it in agendas."""
    url = settings.SITE_URL + reverse("charter:meeting_detail", args=[meeting.pk])
    description = meeting.agenda.strip()
    if meeting.visio_url:
        description = f"{description}\n\nVisioconférence : {meeting.visio_url}".strip()
    vevent = _vevent(
        meeting=meeting,
        summary=f"{meeting.committee.short_name} — {meeting.title}",
        location=meeting.location or meeting.visio_url,
        description=description,
        url=url,
        stamp=timezone.now(),
    )
    return _calendar([vevent], method=method)


# --- Events of the community ------------------------------------------------------------------------------


def event_url(event: Meeting) -> str:
    """The event's public page, absolute (emails and calendar files leave the site)."""
    return settings.SITE_URL + reverse("events:detail", args=[event.slug])


def event_place(event: Meeting) -> str:
    """Where: the address, else its commune, else « En ligne » (never the visio link itself)."""
    if event.location:
        return event.location
    if event.commune_id:
        return str(event.commune)
    return "En ligne"


def _event_vevent(event: Meeting, *, with_visio: bool, stamp: datetime) -> list[str]:
    description = (event.summary or event.description or "").strip()
    if with_visio and event.visio_url:
        description = f"{description}\n\nVisioconférence : {event.visio_url}".strip()
    return _vevent(
        meeting=event,
        summary=event.title,
        location=event_place(event),
        description=description,
        url=event_url(event),
        stamp=stamp,
    )


def event_ics(
    event: Meeting, *, participant: MeetingParticipant | None = None, method: str = "PUBLISH"
) -> str:
    """One event as a calendar file. The visioconference link is written only in the file of a
    registered participant (status « inscrit »): the page's « Ajouter à mon agenda » file, and a
    person on the waiting list, get the event without it. `method`: PUBLISH (add or update) or
    CANCEL (a cancelled event; STATUS:CANCELLED is written from the event's status)."""
    with_visio = (
        participant is not None
        and participant.meeting_id == event.pk
        and participant.status == RegistrationStatus.CONFIRMED
    )
    return _calendar([_event_vevent(event, with_visio=with_visio, stamp=timezone.now())], method=method)


def calendar_feed(events, *, name: str = "Agenda du COPS Occitanie") -> str:
    """A subscription feed: one VCALENDAR with a VEVENT per event, never a visioconference link.
    Calendar apps poll it; X-WR-CALNAME names it and REFRESH-INTERVAL asks for a daily look."""
    stamp = timezone.now()
    extra = (
        f"X-WR-CALNAME:{ics_escape(name)}",
        "X-WR-TIMEZONE:Europe/Paris",
        "REFRESH-INTERVAL;VALUE=DURATION:PT12H",
        "X-PUBLISHED-TTL:PT12H",
    )
    return _calendar(
        [_event_vevent(event, with_visio=False, stamp=stamp) for event in events],
        method="PUBLISH",
        extra=extra,
    )


def calendar_response(text: str, *, filename: str, inline: bool = False, cache_control: str = ""):
    """An .ics file as an HTTP answer (one event, or a feed calendar apps subscribe to)."""
    from django.http import HttpResponse

    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    if cache_control:
        response["Cache-Control"] = cache_control
    return response
