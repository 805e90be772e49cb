"""Committee pages: the public composition, and the staff's mandates, validations and meetings."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from actors.charter_enums import Attendance, CommitteeKind, EventKind, MeetingResponse, MeetingStatus
from actors.charter_permissions import (
    can_follow_up_decisions,
    can_manage_committees,
    can_respond_to_meeting,
    get_meeting_or_404,
)
from actors.events.ics import calendar_response
from actors.forms.committees import (
    ANSWER_CHOICES,
    AttendanceForm,
    BinomeForm,
    CompositionValidationForm,
    DecisionFilterForm,
    DecisionFollowUpForm,
    MandateEditForm,
    MandateForm,
    MeetingEditForm,
    MeetingForm,
    MeetingResponseForm,
    MinutesForm,
    ParticipantForm,
)
from actors.models import Committee, Decision, Mandate
from actors.permissions import directory_viewer_level, staff_required
from actors.selectors import committees as selectors
from actors.services import committees as services
from cops.ratelimit import limit_secret_guesses, secret_link_found
from cops.views_helpers import apply_service

DECISIONS_PER_PAGE = 50

# --- Public ---------------------------------------------------------------------------------------------


def _committee_meeting_or_404(request, pk: int, *, write: bool = False):
    """A committee meeting the user may see (or manage): an event of the community (same model,
    another kind) is 404 here; its pages are the agenda's (actors.events)."""
    meeting = get_meeting_or_404(request, pk, write=write)
    if meeting.kind != EventKind.COMMITTEE:
        raise Http404
    return meeting


@require_GET
def committees(request):
    page = selectors.committees_page()  # kept per version of the committees' and charter's data
    return render(
        request,
        "committees/committees.html",
        {
            "committees": page.committees,
            "version": page.version,
            "signatory_count": page.signatory_count,
            "binomes_count": page.binomes_count,
            "can_manage": can_manage_committees(request.user),
        },
    )


@require_GET
def copil(request):
    # The page's body is the same for every visitor: rendered once per version of the committees'
    # and the charter's data (actors.selectors.committees.public_remembered), like its data.
    def body() -> str:
        page = selectors.copil_page()
        return render_to_string(
            "committees/partials/_copil_body.html",
            {
                "committee": page.committee,
                "binomes": page.binomes,
                "structures": page.structures,
                "held_meetings": page.held_meetings,
            },
        )

    return render(
        request,
        "committees/copil.html",
        {"body": mark_safe(selectors.public_remembered(("copil_html",), body))},
    )  # noqa: S308 - our own template's output


@require_GET
def committee_detail(request, slug: str):
    """A committee's public page: its missions, its held meetings (the public part of approved
    minutes, nothing else of them) and its decisions."""
    committee = get_object_or_404(Committee, slug=slug, is_active=True)
    return render(
        request,
        "committees/committee_detail.html",
        {
            "committee": committee,
            "held_meetings": selectors.committee_held_meetings(committee),
            "can_manage": can_manage_committees(request.user),
        },
    )


@require_GET
def decisions(request):
    """The public register of decisions: those of meetings whose minutes are approved."""
    form = DecisionFilterForm(request.GET or None)
    valid = form.is_valid() if form.is_bound else True
    data = form.cleaned_data if form.is_bound and valid else {}
    rows = selectors.decision_register(committee=data.get("instance"), follow_up=data.get("suivi") or "")
    page = Paginator(rows, DECISIONS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "committees/decisions.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "filtered": bool(data.get("instance") or data.get("suivi")),
        },
        status=200 if valid else 400,
    )


@login_required
@require_GET
def my_meetings(request):
    coming, past = selectors.my_meetings(request.user)
    return render(
        request,
        "committees/my_meetings.html",
        {"coming": coming, "past": past, "answer_choices": ANSWER_CHOICES, "now": timezone.now()},
    )


# --- Answers to the invitations ----------------------------------------------------------------------------


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


@login_required
@require_POST
def meeting_respond(request, pk: int):
    meeting = _committee_meeting_or_404(request, pk)
    if not can_respond_to_meeting(request.user, meeting):
        # The staff see every meeting but answer only for the committees they sit on.
        raise PermissionDenied
    form = MeetingResponseForm(request.POST)
    if form.is_valid():
        response = apply_service(
            request,
            lambda: services.meeting_member_respond(
                meeting=meeting, user=request.user, response=form.cleaned_data["response"]
            ),
            form=form,
            success_message=lambda participant: _("Votre réponse est enregistrée : « %(answer)s ».")
            % {"answer": participant.get_response_display()},
            redirect_to=_safe_next(request, reverse("charter:meeting_detail", args=[meeting.pk])),
        )
        if response:
            return response
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return _render_meeting(request, meeting.pk, status=400)


@never_cache
@require_http_methods(["GET", "POST"])
@limit_secret_guesses
def meeting_answer(request, token: str):
    """The invitation email's answer links, without signing in. GET only shows the meeting and the
    buttons (mail scanners open links); the answer is recorded by the POST."""
    participant = selectors.participant_by_token(token)
    if participant is None:
        return render(request, "committees/answer_invalid.html", status=404)
    secret_link_found(request)
    meeting = participant.meeting
    status, saved = 200, False
    if request.method == "POST":
        form = MeetingResponseForm(request.POST)
        if form.is_valid():
            try:
                participant = services.meeting_respond(
                    participant=participant, response=form.cleaned_data["response"]
                )
            except ValidationError as error:
                # Not apply_service: no account, no messages; the page says it next to the buttons.
                form.add_error(None, error.messages)
                status = 400
            else:
                saved = True
        else:
            status = 400
    else:
        chosen = request.GET.get("reponse", "")
        form = MeetingResponseForm(
            initial={"response": chosen if chosen in dict(ANSWER_CHOICES) else participant.response}
        )
    return render(
        request,
        "committees/answer.html",
        {
            "participant": participant,
            "meeting": meeting,
            "form": form,
            "saved": saved,
            "is_open": meeting.status != MeetingStatus.CANCELLED and meeting.starts_at > timezone.now(),
        },
        status=status,
    )


# --- Staff: committees and mandates --------------------------------------------------------------------------


@staff_required
@require_GET
def manage(request):
    year = timezone.localdate().year
    return render(
        request,
        "committees/manage.html",
        {
            "committees": selectors.committees_with_counts(),
            "upcoming": list(selectors.upcoming_meetings()),
            "counts": selectors.meeting_year_counts(year),
            "year": year,
        },
    )


def _committee(slug: str) -> Committee:
    return get_object_or_404(Committee, slug=slug)


@staff_required
@require_GET
def committee_manage(request, slug: str):
    committee = _committee(slug)
    today = timezone.localdate()
    mandates = list(selectors.mandates_of(committee))
    context = {
        "committee": committee,
        "today": today,
        "current_mandates": [m for m in mandates if m.is_current(today)],
        "other_mandates": [m for m in mandates if not m.is_current(today)],
        "meetings": list(selectors.meetings_of(committee)),
        "validations": list(selectors.composition_validations(committee)) if committee.uses_binomes else [],
        "pending_count": selectors.pending_copil_mandates(committee).count() if committee.uses_binomes else 0,
        "copart_members": len(selectors.copart_invitees())
        if committee.kind == CommitteeKind.COPART
        else None,
    }
    return render(request, "committees/committee_manage.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def binome_create(request, slug: str):
    committee = _committee(slug)
    form = BinomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        response = apply_service(
            request,
            lambda: services.binome_create(
                committee=committee,
                professional=data["professional"],
                partner=data["partner"],
                professional_role=data["professional_role"],
                partner_role=data["partner_role"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                by=request.user,
            ),
            form=form,
            success_message=_(
                "Le binôme est ajouté. Sa composition reste à faire valider par le Comité des Partenaires."
            ),
            redirect_to=reverse("charter:committee_manage", args=[committee.slug]),
        )
        if response:
            return response
    return render(
        request,
        "committees/mandate_form.html",
        {"committee": committee, "form": form, "title": _("Ajouter un binôme")},
        status=400 if form.errors else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def mandate_create(request, slug: str):
    committee = _committee(slug)
    form = MandateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        response = apply_service(
            request,
            lambda: services.mandate_create(
                committee=committee,
                person=data["person"],
                structure=data["structure"],
                side=data["side"],
                role=data["role"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                by=request.user,
            ),
            form=form,
            success_message=_("Le mandat est enregistré."),
            redirect_to=reverse("charter:committee_manage", args=[committee.slug]),
        )
        if response:
            return response
    title = _("Inviter une structure") if committee.uses_binomes else _("Ajouter un membre")
    return render(
        request,
        "committees/mandate_form.html",
        {"committee": committee, "form": form, "title": title},
        status=400 if form.errors else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def mandate_edit(request, pk: int):
    mandate = get_object_or_404(Mandate.objects.select_related("committee", "person", "structure"), pk=pk)
    form = MandateEditForm(
        request.POST or None,
        initial={"start_date": mandate.start_date, "end_date": mandate.end_date, "role": mandate.role},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        response = apply_service(
            request,
            lambda: services.mandate_update(
                mandate=mandate,
                start_date=data["start_date"],
                end_date=data["end_date"],
                role=data["role"],
                by=request.user,
            ),
            form=form,
            success_message=_("Le mandat de %(name)s est modifié.") % {"name": mandate.holder},
            redirect_to=reverse("charter:committee_manage", args=[mandate.committee.slug]),
        )
        if response:
            return response
    return render(
        request,
        "committees/mandate_form.html",
        {
            "committee": mandate.committee,
            "form": form,
            "mandate": mandate,
            "title": _("Modifier le mandat de %(name)s") % {"name": mandate.holder},
        },
        status=400 if form.errors else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def composition_validate(request, slug: str):
    committee = _committee(slug)
    form = CompositionValidationForm(
        request.POST or None,
        meetings=selectors.copart_meetings(),
        mandates=selectors.pending_copil_mandates(committee),
        initial={"validated_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        response = apply_service(
            request,
            lambda: services.composition_validate(
                committee=committee,
                meeting=data["meeting"],
                validated_on=data["validated_on"],
                mandates=list(data["mandates"]),
                note=data["note"],
                by=request.user,
            ),
            form=form,
            success_message=_("La validation par le Comité des Partenaires est enregistrée."),
            redirect_to=reverse("charter:committee_manage", args=[committee.slug]),
        )
        if response:
            return response
    return render(
        request,
        "committees/validation_form.html",
        {"committee": committee, "form": form},
        status=400 if form.errors else 200,
    )


# --- Staff: meetings -------------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def meeting_create(request, slug: str):
    committee = _committee(slug)
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        response = apply_service(
            request,
            lambda: services.meeting_create(committee=committee, by=request.user, **form.cleaned_data),
            form=form,
            success_message=_("La réunion est créée. Vous pouvez maintenant envoyer les invitations."),
            redirect_to=lambda meeting: reverse("charter:meeting_detail", args=[meeting.pk]),
        )
        if response:
            return response
    return render(
        request,
        "committees/meeting_form.html",
        {"committee": committee, "form": form},
        status=400 if form.errors else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk: int):
    meeting = _committee_meeting_or_404(request, pk, write=True)
    initial = {
        "title": meeting.title,
        "starts_at": timezone.localtime(meeting.starts_at),
        "ends_at": timezone.localtime(meeting.ends_at),
        "location": meeting.location,
        "visio_url": meeting.visio_url,
        "agenda": meeting.agenda,
        "notify": meeting.participants.filter(invitation_sent_at__isnull=False).exists(),
    }
    form = MeetingEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        notify = data.pop("notify")
        response = apply_service(
            request,
            lambda: services.meeting_update(meeting=meeting, by=request.user, notify=notify, **data),
            form=form,
            success_message=_("La réunion est modifiée."),
            redirect_to=reverse("charter:meeting_detail", args=[meeting.pk]),
        )
        if response:
            return response
    return render(
        request,
        "committees/meeting_form.html",
        {"committee": meeting.committee, "form": form, "meeting": meeting},
        status=400 if form.errors else 200,
    )


def _meeting_context(request, meeting_pk: int, **extra) -> dict:
    """What the meeting page shows: all of it to the staff; to members, the agenda, who comes
    (names as the directory allows, never an address), and the minutes once approved."""
    meeting = selectors.meeting_detail(meeting_pk)
    can_manage = can_manage_committees(request.user)
    participants = list(meeting.participants.all())
    approved = meeting.minutes_approved_at is not None
    own = next((p for p in participants if p.user_id == request.user.pk), None)
    level = directory_viewer_level(request.user)
    coming = [
        selectors.participant_display_name(p, level)
        for p in participants
        if p.response == MeetingResponse.COMING
    ]
    is_past = meeting.starts_at <= timezone.now()
    is_cancelled = meeting.status == MeetingStatus.CANCELLED
    return {
        "meeting": meeting,
        "participants": participants if can_manage else [],
        "coming_names": coming,
        "decisions": list(meeting.decisions.all()) if (can_manage or approved) else [],
        "show_minutes": can_manage or approved,
        "can_manage": can_manage,
        "own_participant": own,
        "can_respond": not is_past and not is_cancelled and can_respond_to_meeting(request.user, meeting),
        "answer_choices": ANSWER_CHOICES,
        "participant_form": ParticipantForm(),
        "is_past": is_past,
        "is_cancelled": is_cancelled,
        "pending_invitations": sum(1 for p in participants if p.invitation_sent_at is None),
        "attendance_summary": _attendance_summary(participants),
        "response_counts": selectors.response_counts(participants) if can_manage else [],
        "follow_up_choices": DecisionFollowUpForm.base_fields["follow_up"].choices,
        **extra,
    }


def _render_meeting(request, meeting_pk: int, *, status: int = 200, **extra):
    return render(
        request,
        "committees/meeting_detail.html",
        _meeting_context(request, meeting_pk, **extra),
        status=status,
    )


@login_required
@require_GET
def meeting_detail(request, pk: int):
    meeting = _committee_meeting_or_404(request, pk)
    return _render_meeting(request, meeting.pk)


def _attendance_summary(participants) -> list[tuple[str, int]]:
    counts = Counter(p.attendance for p in participants)
    return [
        (str(choice.label), counts[choice])
        for choice in Attendance
        if choice != Attendance.UNKNOWN and counts[choice]
    ]


@login_required
@require_GET
def meeting_ics(request, pk: int):
    meeting = _committee_meeting_or_404(request, pk)
    return calendar_response(
        selectors.meeting_ics(meeting, method="PUBLISH"), filename=f"reunion-{meeting.pk}.ics"
    )


@staff_required
@require_POST
def meeting_invite(request, pk: int):
    meeting = _committee_meeting_or_404(request, pk, write=True)
    # Not apply_service: "nobody left to invite" is an information, not a success message.
    try:
        count = services.meeting_invite_members(meeting=meeting, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        if count:
            messages.success(
                request,
                ngettext(
                    "%(count)s invitation part par courriel, avec le fichier d'agenda.",
                    "%(count)s invitations partent par courriel, avec le fichier d'agenda.",
                    count,
                )
                % {"count": count},
            )
        else:
            messages.info(request, _("Tous les membres de l'instance sont déjà invités."))
    return redirect("charter:meeting_detail", pk=meeting.pk)


@staff_required
@require_POST
def participant_add(request, pk: int):
    meeting = _committee_meeting_or_404(request, pk, write=True)
    form = ParticipantForm(request.POST)
    if form.is_valid():
        response = apply_service(
            request,
            lambda: services.meeting_participant_add(
                meeting=meeting,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                by=request.user,
            ),
            form=form,
            success_message=lambda participant: _("%(name)s est ajouté(e) aux participants.")
            % {"name": participant.name},
            redirect_to=reverse("charter:meeting_detail", args=[meeting.pk]),
        )
        if response:
            return response
    return _render_meeting(request, meeting.pk, status=400, participant_form=form)


@staff_required
@require_POST
def meeting_cancel(request, pk: int):
    meeting = _committee_meeting_or_404(request, pk, write=True)
    # Cancelled or refused (the reasons as messages), the staff go back to the meeting's page.
    return apply_service(
        request,
        lambda: services.meeting_cancel(meeting=meeting, by=request.user),
        success_message=_("La réunion est annulée ; les participants invités en sont informés."),
        redirect_to=reverse("charter:meeting_detail", args=[meeting.pk]),
    ) or redirect("charter:meeting_detail", pk=meeting.pk)


@staff_required
@require_http_methods(["GET", "POST"])
def meeting_attendance(request, pk: int):
    meeting = _committee_meeting_or_404(request, pk, write=True)
    participants = list(meeting.participants.order_by("name", "email"))
    form = AttendanceForm(request.POST or None, participants=participants)
    if request.method == "POST" and form.is_valid():
        response = apply_service(
            request,
            lambda: services.meeting_record_attendance(
                meeting=meeting, attendance=form.attendance(), by=request.user
            ),
            form=form,
            success_message=_("Les présences sont enregistrées."),
            redirect_to=reverse("charter:meeting_detail", args=[meeting.pk]),
        )
        if response:
            return response
    return render(
        request,
        "committees/attendance_form.html",
        {"meeting": meeting, "form": form},
        status=400 if form.errors else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def meeting_minutes(request, pk: int):
    meeting = _committee_meeting_or_404(request, pk, write=True)
    initial = {
        "minutes": meeting.minutes,
        "public_minutes": meeting.public_minutes,
        "approved": meeting.minutes_approved_at is not None,
        "decisions": "\n".join(d.text for d in meeting.decisions.all()),
    }
    form = MinutesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        response = apply_service(
            request,
            lambda: services.meeting_record_minutes(
                meeting=meeting,
                minutes=form.cleaned_data["minutes"],
                public_minutes=form.cleaned_data["public_minutes"],
                approved=form.cleaned_data["approved"],
                decisions=form.decision_list(),
                by=request.user,
            ),
            form=form,
            success_message=_("Le compte rendu et les décisions sont enregistrés."),
            redirect_to=reverse("charter:meeting_detail", args=[meeting.pk]),
        )
        if response:
            return response
    return render(
        request,
        "committees/minutes_form.html",
        {"meeting": meeting, "form": form},
        status=400 if form.errors else 200,
    )


@staff_required
@require_POST
def decision_follow_up(request, pk: int):
    decision = get_object_or_404(Decision.objects.select_related("meeting"), pk=pk)
    if not can_follow_up_decisions(request.user):
        raise PermissionDenied
    form = DecisionFollowUpForm(request.POST)
    if form.is_valid():
        response = apply_service(
            request,
            lambda: services.decision_follow_up_update(
                decision=decision,
                follow_up=form.cleaned_data["follow_up"],
                note=form.cleaned_data["follow_up_note"],
                by=request.user,
            ),
            form=form,
            success_message=_("Le suivi de la décision est enregistré."),
            redirect_to=reverse("charter:meeting_detail", args=[decision.meeting_id])
            + f"#decision-{decision.pk}",
        )
        if response:
            return response
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return _render_meeting(request, decision.meeting_id, status=400)
