"""Correcting and deleting what an accompaniment holds: meetings, findings, actions, indicators, measurements.

The COPS team corrects everything; the structure's référents what is shared with them. An item kept
for the team answers 404 to a référent, as if it did not exist. Each change is kept in the
accompaniment's history with who made it (services.content.record_event).
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accompaniment import permissions
from accompaniment.dates import day
from accompaniment.forms import ActionForm, FindingForm, IndicatorForm, MeasurementForm, MeetingForm
from accompaniment.models import Action, Finding, Indicator, Measurement, Meeting
from accompaniment.services import content as services
from accompaniment.views.content import _content_form
from actors.permissions import is_cops_staff
from cops.views_helpers import apply_service


def _item_or_404(request, pk: int, queryset, item_pk: int):
    """The accompaniment and its item, if the user may see both (404) and correct the item (403)."""
    accompaniment = permissions.get_accompaniment_or_404(request, pk)
    item = get_object_or_404(queryset, pk=item_pk)
    if getattr(item, "visibility", "partage") != "partage" and not permissions.can_see_staff_only_content(
        request.user, accompaniment
    ):
        raise Http404
    if not permissions.can_edit_item(request.user, accompaniment, item):
        raise PermissionDenied
    return accompaniment, item


def _delete(request, *, accompaniment, item, label: str, anchor: str, delete, success: str):
    """GET: a confirmation page; POST: the deletion, kept in the history."""
    back = accompaniment.get_absolute_url() + anchor
    if request.method == "POST":
        response = apply_service(request, delete, success_message=success, redirect_to=back)
        if response:
            return response
    return render(
        request,
        "accompaniment/confirm_delete.html",
        {"accompaniment": accompaniment, "label": label, "cancel_url": back, "anchor": anchor},
    )


def _edit_extra(accompaniment, delete_url: str) -> dict:
    return {"delete_url": delete_url, "history_note": True}


# --- Meetings ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk: int, meeting_pk: int):
    accompaniment, meeting = _item_or_404(
        request, pk, Meeting.objects.filter(accompaniment_id=pk).select_related("accompaniment"), meeting_pk
    )
    staff = is_cops_staff(request.user)

    def save(accompaniment, data):
        services.meeting_update(
            meeting=meeting,
            held_on=data["held_on"],
            title=data["title"],
            notes=data["notes"],
            participants=list(data["participants"]),
            internal_notes=data.get("internal_notes") if staff else None,
            visibility=data.get("visibility") if staff else None,
            by=request.user,
        )

    initial = {
        "held_on": meeting.held_on,
        "title": meeting.title,
        "participants": list(meeting.participants.values_list("pk", flat=True)),
        "notes": meeting.notes,
    }
    if staff:
        initial.update(internal_notes=meeting.internal_notes, visibility=meeting.visibility)
    return _content_form(
        request,
        pk,
        accompaniment=accompaniment,
        form_class=MeetingForm,
        form_kwargs=lambda a: {"accompaniment": a, "staff": staff},
        initial=initial,
        template="accompaniment/content_form.html",
        title=_("Corriger la rencontre « %(title)s »") % {"title": meeting.title},
        button=_("Enregistrer les corrections"),
        anchor="#rencontres",
        save=save,
        success=_("La rencontre est corrigée."),
        extra=_edit_extra(accompaniment, _url("meeting_delete", pk, meeting.pk)),
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_delete(request, pk: int, meeting_pk: int):
    accompaniment, meeting = _item_or_404(
        request, pk, Meeting.objects.filter(accompaniment_id=pk).select_related("accompaniment"), meeting_pk
    )
    return _delete(
        request,
        accompaniment=accompaniment,
        item=meeting,
        label=_("la rencontre « %(title)s »") % {"title": meeting.title},
        anchor="#rencontres",
        delete=lambda: services.meeting_delete(meeting=meeting, by=request.user),
        success=_("La rencontre est supprimée."),
    )


# --- Findings ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def finding_edit(request, pk: int, finding_pk: int):
    accompaniment, finding = _item_or_404(
        request, pk, Finding.objects.filter(accompaniment_id=pk).select_related("accompaniment"), finding_pk
    )
    staff = is_cops_staff(request.user)

    def save(accompaniment, data):
        services.finding_update(
            finding=finding,
            kind=data["kind"],
            text=data["text"],
            visibility=data.get("visibility") if staff else None,
            by=request.user,
        )

    return _content_form(
        request,
        pk,
        accompaniment=accompaniment,
        form_class=FindingForm,
        form_kwargs=lambda a: {"staff": staff},
        initial={"kind": finding.kind, "text": finding.text, "visibility": finding.visibility},
        template="accompaniment/content_form.html",
        title=_("Corriger le constat"),
        button=_("Enregistrer les corrections"),
        anchor="#constats",
        save=save,
        success=_("Le constat est corrigé."),
        extra=_edit_extra(accompaniment, _url("finding_delete", pk, finding.pk)),
    )


@login_required
@require_http_methods(["GET", "POST"])
def finding_delete(request, pk: int, finding_pk: int):
    accompaniment, finding = _item_or_404(
        request, pk, Finding.objects.filter(accompaniment_id=pk).select_related("accompaniment"), finding_pk
    )
    return _delete(
        request,
        accompaniment=accompaniment,
        item=finding,
        label=_("le constat « %(text)s »") % {"text": finding.text[:80]},
        anchor="#constats",
        delete=lambda: services.finding_delete(finding=finding, by=request.user),
        success=_("Le constat est supprimé."),
    )


# --- Actions ----------------------------------------------------------------------------------------


def _action_queryset(pk: int):
    return Action.objects.filter(accompaniment_id=pk).select_related("accompaniment", "owner", "phase")


@login_required
@require_http_methods(["GET", "POST"])
def action_edit(request, pk: int, action_pk: int):
    accompaniment, action = _item_or_404(request, pk, _action_queryset(pk), action_pk)
    staff = is_cops_staff(request.user)

    def save(accompaniment, data):
        services.action_update(
            action=action,
            title=data["title"],
            description=data["description"],
            owner=data["owner"],
            due_on=data["due_on"],
            visibility=data.get("visibility") if staff else None,
            by=request.user,
        )

    return _content_form(
        request,
        pk,
        accompaniment=accompaniment,
        form_class=ActionForm,
        form_kwargs=lambda a: {"accompaniment": a, "staff": staff},
        initial={
            "title": action.title,
            "description": action.description,
            "owner": action.owner_id,
            "due_on": action.due_on,
            "visibility": action.visibility,
        },
        template="accompaniment/content_form.html",
        title=_("Corriger l'action « %(title)s »") % {"title": action.title},
        button=_("Enregistrer les corrections"),
        anchor="#plan",
        save=save,
        success=_("L'action est corrigée."),
        extra=_edit_extra(accompaniment, _url("action_delete", pk, action.pk)),
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_delete(request, pk: int, action_pk: int):
    accompaniment, action = _item_or_404(request, pk, _action_queryset(pk), action_pk)
    return _delete(
        request,
        accompaniment=accompaniment,
        item=action,
        label=_("l'action « %(title)s »") % {"title": action.title},
        anchor="#plan",
        delete=lambda: services.action_delete(action=action, by=request.user),
        success=_("L'action est supprimée du plan."),
    )


# --- Indicators and measurements ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request, pk: int, indicator_pk: int):
    accompaniment, indicator = _item_or_404(
        request,
        pk,
        Indicator.objects.filter(accompaniment_id=pk).select_related("accompaniment"),
        indicator_pk,
    )

    def save(accompaniment, data):
        services.indicator_update(indicator=indicator, by=request.user, **data)

    return _content_form(
        request,
        pk,
        accompaniment=accompaniment,
        form_class=IndicatorForm,
        initial={
            "name": indicator.name,
            "description": indicator.description,
            "unit": indicator.unit,
            "baseline": indicator.baseline,
            "target": indicator.target,
        },
        template="accompaniment/content_form.html",
        title=_("Corriger l'indicateur « %(name)s »") % {"name": indicator.name},
        button=_("Enregistrer les corrections"),
        anchor="#indicateurs",
        save=save,
        success=_("L'indicateur est corrigé."),
        extra=_edit_extra(accompaniment, _url("indicator_delete", pk, indicator.pk)),
    )


@login_required
@require_http_methods(["GET", "POST"])
def indicator_delete(request, pk: int, indicator_pk: int):
    accompaniment, indicator = _item_or_404(
        request,
        pk,
        Indicator.objects.filter(accompaniment_id=pk).select_related("accompaniment"),
        indicator_pk,
    )
    return _delete(
        request,
        accompaniment=accompaniment,
        item=indicator,
        label=_("l'indicateur « %(name)s » et ses mesures") % {"name": indicator.name},
        anchor="#indicateurs",
        delete=lambda: services.indicator_delete(indicator=indicator, by=request.user),
        success=_("L'indicateur est supprimé."),
    )


def _measurement_queryset(pk: int):
    return Measurement.objects.filter(indicator__accompaniment_id=pk).select_related(
        "indicator__accompaniment"
    )


@login_required
@require_http_methods(["GET", "POST"])
def measurement_edit(request, pk: int, measurement_pk: int):
    accompaniment, measurement = _item_or_404(request, pk, _measurement_queryset(pk), measurement_pk)

    def save(accompaniment, data):
        services.measurement_update(
            measurement=measurement,
            measured_on=data["measured_on"],
            value=data["value"],
            comment=data["comment"],
            by=request.user,
        )

    return _content_form(
        request,
        pk,
        accompaniment=accompaniment,
        form_class=MeasurementForm,
        form_kwargs=lambda a: {"accompaniment": a, "lock_indicator": True},
        initial={
            "indicator": measurement.indicator_id,
            "measured_on": measurement.measured_on,
            "value": measurement.value,
            "comment": measurement.comment,
        },
        template="accompaniment/content_form.html",
        title=_("Corriger une mesure de « %(name)s »") % {"name": measurement.indicator.name},
        button=_("Enregistrer les corrections"),
        anchor="#indicateurs",
        save=save,
        success=_("La mesure est corrigée."),
        extra=_edit_extra(accompaniment, _url("measurement_delete", pk, measurement.pk)),
    )


@login_required
@require_http_methods(["GET", "POST"])
def measurement_delete(request, pk: int, measurement_pk: int):
    accompaniment, measurement = _item_or_404(request, pk, _measurement_queryset(pk), measurement_pk)
    return _delete(
        request,
        accompaniment=accompaniment,
        item=measurement,
        label=_("la mesure du %(date)s de « %(name)s »")
        % {"date": day(measurement.measured_on), "name": measurement.indicator.name},
        anchor="#indicateurs",
        delete=lambda: services.measurement_delete(measurement=measurement, by=request.user),
        success=_("La mesure est supprimée."),
    )


def _url(name: str, pk: int, item_pk: int) -> str:
    return reverse(f"accompaniment:{name}", args=[pk, item_pk])
