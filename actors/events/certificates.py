"""The certificate of attendance (« attestation de présence ») of an event: who may have one, its
duration and number, and its PDF (cops.pdf, the platform's PDF base template and styles)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from actors.charter_enums import MeetingStatus, RegistrationStatus
from actors.events import ics
from actors.models import MeetingParticipant, SessionRegistration
from cops.pdf import render_pdf

ORGANISER = "Centre Opérationnel du Partenariat en Santé (COPS) Occitanie"
PDF_TEMPLATE = "actors/events/pdf/certificate.html"


def event_is_held(event, now: datetime | None = None) -> bool:
    """Held: marked « tenue » by the staff, or over and not cancelled."""
    if event.status == MeetingStatus.CANCELLED:
        return False
    return event.status == MeetingStatus.HELD or event.ends_at <= (now or timezone.now())


def refusal_reason(participant: MeetingParticipant) -> str:
    """Why the participant may not download a certificate (French), or "" when they may."""
    if participant.checked_in_at is None or participant.status != RegistrationStatus.CONFIRMED:
        return _("L'attestation est disponible une fois votre présence enregistrée.")
    if not event_is_held(participant.meeting):
        return _("L'attestation sera disponible à la fin de l'événement.")
    return ""


def _event_duration(event) -> timedelta:
    """The event's own duration; one spanning several days counts its daily hours on each day
    (9 h – 17 h over two days: 16 hours, not the night between)."""
    start, end = timezone.localtime(event.starts_at), timezone.localtime(event.ends_at)
    days = (end.date() - start.date()).days + 1
    if days == 1:
        return end - start
    daily = datetime.combine(start.date(), end.time()) - datetime.combine(start.date(), start.time())
    return daily * days if daily > timedelta(0) else end - start


def attended_duration(participant: MeetingParticipant) -> timedelta:
    """The sessions of the programme the participant held a seat in, else the whole event."""
    sessions = [
        choice.session
        for choice in SessionRegistration.objects.filter(
            participant=participant, status=RegistrationStatus.CONFIRMED
        ).select_related("session")
    ]
    if sessions:
        return sum((session.ends_at - session.starts_at for session in sessions), timedelta(0))
    return _event_duration(participant.meeting)


def format_hours(duration: timedelta) -> str:
    """« 3 heures », « 1 heure », « 2 heures 30 »."""
    minutes = round(duration.total_seconds() / 60)
    hours, rest = divmod(minutes, 60)
    text = ngettext("%(count)d heure", "%(count)d heures", hours) % {"count": hours}
    if rest:
        text = f"{text} {rest:02d}"
    return text


def certificate_number(participant: MeetingParticipant) -> str:
    """Unique and stable: the event's calendar identity and the registration's row."""
    event = participant.meeting
    return f"COPS-{timezone.localtime(event.starts_at).year}-{event.uid.hex[:8].upper()}-{participant.pk}"


def certificate_filename(participant: MeetingParticipant) -> str:
    return f"attestation-presence-{participant.meeting.slug or participant.meeting_id}-{participant.pk}.pdf"


def certificate_context(participant: MeetingParticipant) -> dict:
    event = participant.meeting
    start, end = timezone.localtime(event.starts_at), timezone.localtime(event.ends_at)
    if start.date() == end.date():
        dates = dateformat.format(start, "l j F Y")
        when = _("le %(day)s") % {"day": dates}
    else:
        values = {"start": dateformat.format(start, "l j F Y"), "end": dateformat.format(end, "l j F Y")}
        dates, when = _("%(start)s au %(end)s") % values, _("du %(start)s au %(end)s") % values
    if event.location or event.commune_id:
        commune = str(event.commune) if event.commune_id else ""
        place = event.location
        if commune and commune not in place:
            place = f"{place}, {commune}" if place else commune
    else:
        place = _("en ligne")
    return {
        "participant": participant,
        "event": event,
        "when": when,
        "dates": dates,
        "place": place,
        "hours": format_hours(attended_duration(participant)),
        "organiser": ORGANISER,
        "issued_on": timezone.localdate(),
        "number": certificate_number(participant),
        "event_url": ics.event_url(event) if event.slug and event.is_public else "",
    }


def render_certificate(participant: MeetingParticipant) -> bytes:
    """The PDF of a participant's certificate (the caller checked `refusal_reason`)."""
    return render_pdf(PDF_TEMPLATE, certificate_context(participant))
