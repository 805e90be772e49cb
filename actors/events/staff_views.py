"""The staff's event management (/agenda/gestion/): the list with its counts, the event form with
its programme, publish / close / cancel / duplicate, documents, organisers and speakers, and the
registrations with their CSV and XLSX exports. Committee meetings keep their own pages."""

from __future__ import annotations

import csv
import io
from collections import Counter

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook

from actors.charter_enums import ContributorRole, RegistrationStatus
from actors.enums import ModerationStatus
from actors.events import selectors, services_contributors, services_staff
from actors.events import services as registration_services
from actors.events.forms import (
    ContributorForm,
    ContributorSearchForm,
    DocumentForm,
    DuplicateForm,
    EventForm,
    SessionFormSet,
)
from actors.events.views import event_when
from actors.models import Meeting, MeetingParticipant, Person, Structure
from actors.models.events import EventContributor, EventDocument, SessionRegistration
from actors.permissions import staff_required
from cops.spreadsheets import neutralise
from cops.views_helpers import apply_service

LIST_PER_PAGE = 50
SEARCH_LIMIT = 10


def _event_or_404(pk: int) -> Meeting:
    return get_object_or_404(selectors.events().select_related("commune"), pk=pk)


# --- The list ----------------------------------------------------------------------------------------------


@staff_required
@require_GET
def event_list(request):
    counts = {
        "confirmed_count": Count("participants", filter=Q(participants__status=RegistrationStatus.CONFIRMED)),
        "waiting_count": Count("participants", filter=Q(participants__status=RegistrationStatus.WAITING)),
        "unverified_count": Count(
            "participants", filter=Q(participants__status=RegistrationStatus.UNVERIFIED)
        ),
    }
    now = timezone.now()
    show_past = request.GET.get("passes") == "1"
    events = selectors.events().annotate(**counts)
    events = (
        events.filter(ends_at__lt=now).order_by("-starts_at", "pk")
        if show_past
        else events.filter(ends_at__gte=now).order_by("starts_at", "pk")
    )
    page = Paginator(events, LIST_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {
            "event": event,
            "starts_at": timezone.localtime(event.starts_at),
            "seats_left": None if event.capacity is None else max(event.capacity - event.confirmed_count, 0),
        }
        for event in page
    ]
    return render(
        request, "actors/events/staff/list.html", {"page": page, "rows": rows, "show_past": show_past}
    )


# --- The event form ----------------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def event_edit(request, pk: int | None = None):
    event = _event_or_404(pk) if pk else Meeting()
    data = request.POST if request.method == "POST" else None
    form = EventForm(data, instance=event)
    sessions = SessionFormSet(data, instance=event, prefix="seances")
    sessions.event_form = form
    has_people = (
        bool(pk)
        and event.participants.filter(
            status__in=[RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING]
        ).exists()
    )
    if request.method == "POST":
        form_ok = form.is_valid()
        if form_ok and sessions.is_valid():
            notify = has_people and request.POST.get("notify") == "1"
            what = request.POST.get("change_note", "")[:500]

            def save():
                saved = services_staff.event_save(form=form, sessions=sessions, by=request.user)
                if notify:
                    registration_services.event_changed_notify(event=saved, by=request.user, what=what)
                return saved

            response = apply_service(
                request,
                save,
                form=form,
                success_message=_("L'événement est enregistré.")
                + (" " + _("Les personnes inscrites sont prévenues.") if notify else ""),
                redirect_to=lambda saved: reverse("events:staff_edit", args=[saved.pk]),
            )
            if response:
                return response
    return render(
        request,
        "actors/events/staff/form.html",
        {"form": form, "sessions": sessions, "event": event if pk else None, "has_people": has_people},
        status=400 if request.method == "POST" else 200,
    )


@staff_required
@require_POST
def event_publish(request, pk: int):
    event = _event_or_404(pk)
    public = request.POST.get("public") == "1"
    return apply_service(
        request,
        lambda: services_staff.event_set_public(event=event, is_public=public, by=request.user),
        success_message=_("L'événement est dans l'agenda public.")
        if public
        else _("L'événement est retiré de l'agenda public."),
        redirect_to=reverse("events:staff_edit", args=[event.pk]),
    ) or redirect("events:staff_edit", pk=event.pk)


@staff_required
@require_POST
def event_close(request, pk: int):
    event = _event_or_404(pk)
    return apply_service(
        request,
        lambda: registration_services.close_registration(event=event, by=request.user),
        success_message=_("Les inscriptions sont closes."),
        redirect_to=reverse("events:staff_edit", args=[event.pk]),
    ) or redirect("events:staff_edit", pk=event.pk)


@staff_required
@require_POST
def event_cancel(request, pk: int):
    event = _event_or_404(pk)
    return apply_service(
        request,
        lambda: services_staff.event_cancel(
            event=event, by=request.user, what=request.POST.get("what", "")[:500]
        ),
        success_message=lambda count: _("L'événement est annulé ; %(count)s personne(s) prévenue(s).")
        % {"count": count},
        redirect_to=reverse("events:staff_edit", args=[event.pk]),
    ) or redirect("events:staff_edit", pk=event.pk)


@staff_required
@require_http_methods(["GET", "POST"])
def event_duplicate(request, pk: int):
    event = _event_or_404(pk)
    next_year = timezone.localtime(event.starts_at).replace(year=timezone.localtime(event.starts_at).year + 1)
    form = DuplicateForm(request.POST or None, initial={"starts_at": next_year, "title": event.title})
    if request.method == "POST" and form.is_valid():
        response = apply_service(
            request,
            lambda: services_staff.event_duplicate(
                event=event,
                by=request.user,
                starts_at=form.cleaned_data["starts_at"],
                title=form.cleaned_data["title"],
            ),
            form=form,
            success_message=_("La copie est créée, hors de l'agenda public : vérifiez-la puis publiez-la."),
            redirect_to=lambda copy: reverse("events:staff_edit", args=[copy.pk]),
        )
        if response:
            return response
    return render(
        request,
        "actors/events/staff/duplicate.html",
        {"event": event, "form": form},
        status=400 if request.method == "POST" else 200,
    )


# --- Documents -------------------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def event_documents(request, pk: int):
    event = _event_or_404(pk)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        response = apply_service(
            request,
            lambda: services_staff.document_add(
                event=event,
                by=request.user,
                title=form.cleaned_data["title"],
                moment=form.cleaned_data["moment"],
                is_public=form.cleaned_data["is_public"],
                upload=form.cleaned_data["file"],
                file_format=form.file_format,
            ),
            form=form,
            success_message=_("Le document est ajouté."),
            redirect_to=reverse("events:staff_documents", args=[event.pk]),
        )
        if response:
            return response
    return render(
        request,
        "actors/events/staff/documents.html",
        {"event": event, "form": form, "documents": list(event.documents.order_by("moment", "title"))},
        status=400 if request.method == "POST" else 200,
    )


@staff_required
@require_POST
def event_document_remove(request, pk: int, document_pk: int):
    event = _event_or_404(pk)
    document = get_object_or_404(EventDocument, pk=document_pk, event=event)
    services_staff.document_remove(document=document, by=request.user)
    messages.success(request, _("Le document est retiré."))
    return redirect("events:staff_documents", pk=event.pk)


# --- Organisers and speakers ----------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def event_contributors(request, pk: int):
    event = _event_or_404(pk)
    search = ContributorSearchForm(request.GET or None)
    structures, persons = [], []
    if search.is_valid() and len(search.cleaned_data["q"].strip()) >= 2:
        q = search.cleaned_data["q"].strip()
        published = {"status": ModerationStatus.PUBLISHED}
        structures = list(
            Structure.objects.filter(name__unaccent__icontains=q, **published).order_by("name")[:SEARCH_LIMIT]
        )
        persons = list(
            Person.objects.filter(
                Q(first_name__unaccent__icontains=q) | Q(last_name__unaccent__icontains=q), **published
            ).order_by("last_name", "first_name")[:SEARCH_LIMIT]
        )
    form = ContributorForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("accept"):
            contributor = get_object_or_404(EventContributor, pk=request.POST["accept"], event=event)
            services_contributors.contributor_accept(contributor=contributor, by=request.user)
            messages.success(request, _("L'accord est enregistré : la personne apparaît sur la page."))
            return redirect("events:staff_contributors", pk=event.pk)
        if form.is_valid():
            structure = (
                get_object_or_404(Structure, pk=form.cleaned_data["structure"])
                if form.cleaned_data.get("structure")
                else None
            )
            person = (
                get_object_or_404(Person, pk=form.cleaned_data["person"])
                if form.cleaned_data.get("person")
                else None
            )
            response = apply_service(
                request,
                lambda: services_contributors.contributor_add(
                    event=event,
                    role=form.cleaned_data["role"],
                    structure=structure,
                    person=person,
                    detail=form.cleaned_data.get("detail", ""),
                    by=request.user,
                ),
                form=form,
                success_message=_("Ajouté."),
                redirect_to=reverse("events:staff_contributors", args=[event.pk]),
            )
            if response:
                return response
        for error in form.non_field_errors():
            messages.error(request, error)
    contributors = list(event.contributors.select_related("person", "structure").order_by("role", "pk"))
    return render(
        request,
        "actors/events/staff/contributors.html",
        {
            "event": event,
            "search": search,
            "structures": structures,
            "persons": persons,
            "contributors": contributors,
            "roles": ContributorRole.choices,
        },
        status=400 if request.method == "POST" else 200,
    )


@staff_required
@require_POST
def event_contributor_remove(request, pk: int, contributor_pk: int):
    event = _event_or_404(pk)
    contributor = get_object_or_404(EventContributor, pk=contributor_pk, event=event)
    services_contributors.contributor_remove(contributor=contributor, by=request.user)
    messages.success(request, _("Retiré de l'événement."))
    return redirect("events:staff_contributors", pk=event.pk)


# --- Registrations ---------------------------------------------------------------------------------------


def _registrations(event: Meeting) -> list[MeetingParticipant]:
    choices = Prefetch(
        "session_choices",
        queryset=SessionRegistration.objects.exclude(status=RegistrationStatus.CANCELLED)
        .select_related("session")
        .order_by("session__starts_at", "session__track"),
    )
    return list(
        event.participants.exclude(status=RegistrationStatus.INVITED)
        .select_related("person")
        .prefetch_related(choices, "person__profiles", "person__territories")
        .order_by("registered_at", "pk")
    )


def _answer_columns(event: Meeting) -> list[tuple[str, str]]:
    return [
        (q["code"], q.get("label") or q["code"]) for q in event.registration_questions or [] if q.get("code")
    ]


def _row(participant: MeetingParticipant, columns) -> list:
    sessions = " ; ".join(choice.session.title for choice in participant.session_choices.all())
    return [
        participant.name,
        participant.email,
        str(RegistrationStatus(participant.status).label),
        timezone.localtime(participant.registered_at).strftime("%d/%m/%Y %H:%M")
        if participant.registered_at
        else "",
        sessions,
        *[str(participant.answers.get(code, "")) for code, _label in columns],
        participant.accessibility_needs,
    ]


def export_headers(columns) -> list[str]:
    return [
        _("Nom"),
        _("Adresse électronique"),
        _("Statut"),
        _("Inscrit·e le"),
        _("Séances"),
        *[label for _code, label in columns],
        _("Besoins d'accessibilité"),
    ]


@staff_required
@require_GET
def event_registrations(request, pk: int):
    event = _event_or_404(pk)
    participants = _registrations(event)
    columns = _answer_columns(event)
    by_status = Counter(p.status for p in participants)
    active = [p for p in participants if p.status != RegistrationStatus.CANCELLED]
    by_profile: Counter = Counter()
    by_territory: Counter = Counter()
    without_person = 0
    for participant in active:
        if participant.person is None:
            without_person += 1
            continue
        for profile in participant.person.profiles.all():
            by_profile[profile.label] += 1
        for territory in participant.person.territories.all():
            by_territory[f"{territory.code} — {territory.name}"] += 1
    return render(
        request,
        "actors/events/staff/registrations.html",
        {
            "event": event,
            "when": event_when(event.starts_at, event.ends_at),
            "rows": [
                {
                    "participant": p,
                    "sessions": list(p.session_choices.all()),
                    "answers": [p.answers.get(c, "") for c, _l in columns],
                }
                for p in participants
            ],
            "columns": columns,
            "status_counts": [
                (choice.label, by_status[choice])
                for choice in RegistrationStatus
                if choice != RegistrationStatus.INVITED
            ],
            "by_profile": sorted(by_profile.items(), key=lambda item: (-item[1], item[0])),
            "by_territory": sorted(by_territory.items()),
            "without_person": without_person,
            "availability": selectors.event_availability(event),
        },
    )


@staff_required
@require_GET
def event_registrations_export(request, pk: int, fmt: str):
    """The registrations as CSV (« ; », UTF-8 with BOM) or XLSX; cells safe against formulas."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    event = _event_or_404(pk)
    columns = _answer_columns(event)
    headers = export_headers(columns)
    rows = [[neutralise(str(cell)) for cell in _row(p, columns)] for p in _registrations(event)]
    filename = f"inscriptions-{event.slug}"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        writer.writerow(headers)
        writer.writerows(rows)
        response = HttpResponse(
            ("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
        )
    else:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Inscriptions"))
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response
