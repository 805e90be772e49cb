"""Attendance at an event: the staff's check-in list (search, « Marquer présent·e », undo), the page
a participant's QR code opens (staff only), and the certificate of attendance downloads.

The QR code of the confirmation email carries the registration's personal secret (E1's personal
link, actors.events.services.personal_token), never a row id: only the staff may open its page,
everyone else gets the login page (anonymous) or a 403, and nothing about the participant.
"""

from __future__ import annotations

import base64
import io

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from actors.charter_enums import Attendance, EventKind, MeetingStatus, RegistrationStatus
from actors.events import certificates, selectors
from actors.events.services import personal_token
from actors.models import Meeting, MeetingParticipant, User
from actors.permissions import staff_required
from cops.ratelimit import limit_secret_guesses, secret_link_found

SEARCH_MAX_LENGTH = 100

# --- Writes -------------------------------------------------------------------------------------------------


def check_in(*, participant: MeetingParticipant, by: User) -> tuple[MeetingParticipant, bool]:
    """Record the participant's arrival: `checked_in_at` set once (a second call changes nothing) and
    attendance « présent ». Returns (the participant, True when recorded now). Only a confirmed
    registration of an event that is not cancelled checks in (ValidationError otherwise)."""
    with transaction.atomic():
        participant = (
            MeetingParticipant.objects.select_for_update(of=("self",))
            .select_related("meeting")
            .get(pk=participant.pk)
        )
        if participant.meeting.kind == EventKind.COMMITTEE:
            raise ValidationError(_("Les présences d'une réunion d'instance se notent sur sa page."))
        if participant.meeting.status == MeetingStatus.CANCELLED:
            raise ValidationError(_("Cet événement est annulé."))
        if participant.status != RegistrationStatus.CONFIRMED:
            raise ValidationError(
                _("%(name)s n'a pas de place confirmée (%(status)s) : arrivée non enregistrée.")
                % {"name": participant.name, "status": participant.get_status_display().lower()}
            )
        if participant.checked_in_at is not None:
            return participant, False
        participant.checked_in_at = timezone.now()
        participant.attendance = Attendance.PRESENT
        participant.save(update_fields=["checked_in_at", "attendance"])
    return participant, True


def undo_check_in(*, participant: MeetingParticipant, by: User) -> MeetingParticipant:
    """A check-in recorded by mistake: the arrival and the attendance are cleared."""
    with transaction.atomic():
        participant = MeetingParticipant.objects.select_for_update().get(pk=participant.pk)
        participant.checked_in_at = None
        participant.attendance = Attendance.UNKNOWN
        participant.save(update_fields=["checked_in_at", "attendance"])
    return participant


# --- QR code and links --------------------------------------------------------------------------------------


def checkin_url(participant: MeetingParticipant) -> str:
    """The absolute address the participant's QR code opens (the personal secret, not the id)."""
    return settings.SITE_URL + reverse("events:checkin_scan", args=[personal_token(participant)])


def checkin_qr_png(participant: MeetingParticipant) -> bytes:
    buffer = io.BytesIO()
    segno.make(checkin_url(participant), error="m").save(buffer, kind="png", scale=6, border=4)
    return buffer.getvalue()


def checkin_qr_data_uri(participant: MeetingParticipant) -> str:
    return "data:image/png;base64," + base64.b64encode(checkin_qr_png(participant)).decode()


def certificate_url(participant: MeetingParticipant) -> str:
    """The participant's own certificate link (relative), by their personal secret."""
    return reverse("events:certificate", args=[personal_token(participant)])


def _hour(value) -> str:
    return dateformat.format(timezone.localtime(value), "G \\h i")


# --- The check-in list (staff) -------------------------------------------------------------------------------


def _event_or_404(pk: int) -> Meeting:
    return get_object_or_404(selectors.events().select_related("commune"), pk=pk)


def _confirmed(event: Meeting):
    return event.participants.filter(status=RegistrationStatus.CONFIRMED)


def _list_context(request, event: Meeting) -> dict:
    data = request.POST if request.method == "POST" else request.GET
    query = data.get("q", "").strip()[:SEARCH_MAX_LENGTH]
    people = _confirmed(event)
    counts = people.aggregate(
        confirmed=Count("pk"), present=Count("pk", filter=Q(checked_in_at__isnull=False))
    )
    if query:
        people = people.filter(Q(name__icontains=query) | Q(email__icontains=query))
    return {
        "event": event,
        "query": query,
        "rows": list(
            people.only("pk", "name", "email", "checked_in_at", "meeting_id").order_by("name", "pk")
        ),
        "counts": counts,
        "is_cancelled": event.status == MeetingStatus.CANCELLED,
    }


@staff_required
@require_GET
def checkin_list(request, pk: int):
    """Confirmed participants with a search box (htmx filters the rows), one button each."""
    event = _event_or_404(pk)
    context = _list_context(request, event)
    if request.htmx:
        return render(request, "actors/events/attendance/_checkin_results.html", context)
    return render(request, "actors/events/attendance/checkin_list.html", context)


@staff_required
@require_POST
def checkin(request, pk: int, participant_pk: int):
    """« Marquer présent·e » (action=present) or « Annuler » (action=undo) for one participant."""
    event = _event_or_404(pk)
    participant = get_object_or_404(_confirmed(event), pk=participant_pk)
    notice, error = "", ""
    if request.POST.get("action") == "undo":
        participant = undo_check_in(participant=participant, by=request.user)
        notice = _("Arrivée de %(name)s annulée.") % {"name": participant.name}
    else:
        try:
            participant, recorded = check_in(participant=participant, by=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            values = {"name": participant.name, "hour": _hour(participant.checked_in_at)}
            notice = (
                _("Arrivée de %(name)s enregistrée à %(hour)s.") % values
                if recorded
                else _("%(name)s est déjà enregistré·e, arrivé·e à %(hour)s.") % values
            )
    if request.htmx:
        context = _list_context(request, event)
        context.update(row_notice={participant.pk: notice or error}, counts_changed=True)
        return render(request, "actors/events/attendance/_checkin_results.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    url = reverse("events:checkin_list", args=[event.pk])
    query = request.POST.get("q", "").strip()[:SEARCH_MAX_LENGTH]
    return redirect(f"{url}?{urlencode({'q': query})}" if query else url)


def _link_invalid(request) -> HttpResponse:
    """Returned, not raised: the secret-link limiter counts the failed guess."""
    return render(request, "actors/events/link_invalid.html", {}, status=404)


# --- The QR code's page (staff only) --------------------------------------------------------------------------


@never_cache
@limit_secret_guesses
@require_http_methods(["GET", "POST"])
def checkin_scan(request, token: str):
    """What a QR code opens. Staff: the person, the event and « Enregistrer l'arrivée ». Anyone
    else: the login page or a 403 — never the participant's name nor the event."""
    participant = selectors.participant_from_token(token)
    if participant is not None:
        secret_link_found(request)  # a genuine code scanned before signing in is no guess
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not request.user.is_cops_staff:
        return render(request, "403.html", status=403)
    if participant is None:
        return _link_invalid(request)
    if request.method == "POST":
        try:
            participant, recorded = check_in(participant=participant, by=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            values = {"name": participant.name, "hour": _hour(participant.checked_in_at)}
            if recorded:
                messages.success(request, _("Arrivée de %(name)s enregistrée à %(hour)s.") % values)
            else:
                messages.info(request, _("%(name)s est déjà enregistré·e, arrivé·e à %(hour)s.") % values)
        return redirect("events:checkin_scan", token=token)
    event = participant.meeting
    return render(
        request,
        "actors/events/attendance/scan.html",
        {
            "event": event,
            "participant": participant,
            "sessions": selectors.session_choices(participant),
            "checked_in_hour": _hour(participant.checked_in_at) if participant.checked_in_at else "",
            "can_check_in": participant.status == RegistrationStatus.CONFIRMED
            and event.status != MeetingStatus.CANCELLED,
        },
    )


# --- Certificates -------------------------------------------------------------------------------------------


def _certificate_response(request, participant: MeetingParticipant) -> HttpResponse:
    reason = certificates.refusal_reason(participant)
    if reason:
        return render(
            request,
            "actors/events/attendance/certificate_refused.html",
            {"event": participant.meeting, "reason": reason},
            status=403,
        )
    response = HttpResponse(certificates.render_certificate(participant), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{certificates.certificate_filename(participant)}"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@limit_secret_guesses
@require_GET
def certificate(request, token: str):
    """The participant's own certificate, from their personal link (manage page, Mon espace)."""
    participant = selectors.participant_from_token(token)
    if participant is None:
        return _link_invalid(request)
    secret_link_found(request)
    return _certificate_response(request, participant)


@staff_required
@require_GET
def certificate_staff(request, pk: int, participant_pk: int):
    """The staff download any participant's certificate (same rule: checked in, event held)."""
    event = _event_or_404(pk)
    participant = get_object_or_404(event.participants.select_related("meeting__commune"), pk=participant_pk)
    return _certificate_response(request, participant)
