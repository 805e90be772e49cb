"""One accompaniment: opening it, its page, its convention and its phases."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accompaniment import permissions, selectors
from accompaniment.assessments import assessment_comparison
from accompaniment.charts import indicator_chart
from accompaniment.enums import AccompanimentStatus, EvaluationKind, PhaseKind, PhaseStatus, RequestStatus
from accompaniment.forms import (
    AccompanimentForm,
    AccompanimentOpenForm,
    ActionStatusForm,
    AssessmentsForm,
    ConventionForm,
    HotEvaluationForm,
    ImpactScheduleForm,
    PhaseCloseForm,
    PhaseDatesForm,
    PhaseReopenForm,
)
from accompaniment.models import Phase, SupportRequest
from accompaniment.requirements import requirement_states
from accompaniment.services import accompaniments as services
from actors.enums import ModerationStatus
from actors.models import Structure
from actors.permissions import directory_viewer_level, staff_required
from cops.views_helpers import apply_service
from directory.services.project_prefill import accompaniment_project


def form_status(form) -> int:
    """400 when a submitted form comes back with errors (nothing was saved), 200 otherwise."""
    return 400 if form.is_bound and form.errors else 200


def timeline_labels() -> dict[str, str]:
    return {
        "request": _("Demande d'appui déposée"),
        "decision": _("Décision du CoPil : %(outcome)s"),
        "on_behalf": _("%(name)s, pour le CoPil"),
        "complement": _("Complément d'information transmis"),
        "phase_started": _("Début de la phase « %(phase)s »"),
        "phase_closed": _("Phase « %(phase)s » clôturée"),
        "phase_reopened": _("Phase « %(phase)s » rouverte"),
        "convention": _("Convention de partenariat signée"),
        "evaluation_sent": _("%(evaluation)s envoyée aux participants"),
        "evaluation_planned": _("%(evaluation)s prévue"),
        "responses": _("%(count)s réponse(s) sur %(invited)s invitation(s)"),
    }


@staff_required
@require_http_methods(["GET", "POST"])
def accompaniment_open(request):
    """Open an accompaniment, usually from a request accepted by the CoPil (?demande=<id>)."""
    support_request = None
    request_id = request.GET.get("demande") or request.POST.get("demande")
    if request_id:
        support_request = get_object_or_404(SupportRequest.objects.select_related("structure"), pk=request_id)
    structures = Structure.objects.exclude(status=ModerationStatus.ARCHIVED).order_by("name")
    initial = {}
    if support_request is not None:
        initial = {
            "structure": support_request.structure_id,
            "title": support_request.title,
            "support_type": support_request.support_type,
            "context": support_request.context,
            "expected_outcome": support_request.expected_outcome,
        }
    form = AccompanimentOpenForm(
        request.POST if request.method == "POST" else None,
        structures=structures,
        lock_structure=support_request is not None,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        response = apply_service(
            request,
            lambda: services.accompaniment_open(
                structure=data["structure"],
                title=data["title"],
                support_type=data["support_type"],
                template=data["template"],
                professional_lead=data["professional_lead"],
                patient_partner_lead=data["patient_partner_lead"],
                context=data["context"],
                expected_outcome=data["expected_outcome"],
                started_on=data["started_on"],
                request=support_request,
                by=request.user,
            ),
            form=form,
            success_message=_("L'accompagnement est ouvert : sa première phase commence."),
            redirect_to=lambda accompaniment: accompaniment,
        )
        if response:
            return response
    return render(
        request,
        "accompaniment/accompaniment_open.html",
        {
            "form": form,
            "support_request": support_request,
            "request_not_accepted": support_request is not None
            and support_request.status != RequestStatus.ACCEPTED,
        },
    )


@login_required
@require_GET
def accompaniment_detail(request, pk: int):
    accompaniment = permissions.get_accompaniment_or_404(request, pk)
    user = request.user
    phases = selectors.accompaniment_phases(accompaniment)
    current = next((phase for phase in phases if phase.status == PhaseStatus.CURRENT), None)
    closed = [phase for phase in phases if phase.status == PhaseStatus.CLOSED]
    last_closed = closed[-1] if closed else None
    # What is kept for the COPS team is left out of the query itself for everyone else.
    staff = permissions.can_see_staff_only_content(user, accompaniment)
    meetings = selectors.accompaniment_meetings(accompaniment, staff=staff)
    evaluations = selectors.accompaniment_evaluations(accompaniment)
    indicators = selectors.accompaniment_indicators(accompaniment)
    actions = selectors.accompaniment_actions(accompaniment, staff=staff)
    findings = selectors.accompaniment_findings(accompaniment, staff=staff)
    can_manage = permissions.can_manage_accompaniment(user, accompaniment)
    can_contribute = permissions.can_contribute_to_accompaniment(user, accompaniment)
    for item in [*meetings, *actions, *findings, *indicators]:
        item.editable = permissions.can_edit_item(user, accompaniment, item)
    for indicator in indicators:
        indicator.measurement_list = list(indicator.measurements.all())
    if current is not None:
        current.accompaniment = accompaniment
        current.requirements = requirement_states(current)
    hot = next((e for e in evaluations if e.kind == EvaluationKind.HOT), None)
    impact = next((e for e in evaluations if e.kind == EvaluationKind.IMPACT), None)
    context = {
        "accompaniment": accompaniment,
        "phases": phases,
        "current": current,
        "last_closed": last_closed,
        "participants": selectors.accompaniment_participants(accompaniment),
        "meetings": meetings,
        "findings": findings,
        "findings_by_kind": _group_findings(findings),
        "actions": actions,
        "indicators": [(indicator, indicator_chart(indicator)) for indicator in indicators],
        "evaluations": [(e, selectors.evaluation_summary(e, staff=staff)) for e in evaluations],
        "hot_evaluation": hot,
        "impact_evaluation": impact,
        "timeline": selectors.accompaniment_timeline(
            accompaniment,
            transitions=selectors.accompaniment_transitions(accompaniment),
            meetings=meetings,
            evaluations=evaluations,
            labels=timeline_labels(),
            events_log=selectors.accompaniment_events(accompaniment, staff=staff),
        ),
        # Participants chosen from the directory keep the visibility of their profile's fields.
        "viewer_level": directory_viewer_level(user),
        "can_manage": can_manage,
        "can_contribute": can_contribute,
        "can_see_internal": staff,
        "can_follow": permissions.can_follow_evaluations(user, accompaniment),
        "can_reopen": permissions.can_reopen_phase(user, accompaniment) and last_closed is not None,
        "close_form": PhaseCloseForm() if can_manage and current is not None else None,
        "hot_form": HotEvaluationForm()
        if can_manage
        and current is not None
        and current.kind == PhaseKind.HOT_EVALUATION
        and not (hot and hot.launched_at)
        else None,
        "impact_form": ImpactScheduleForm(initial={"scheduled_for": impact.scheduled_for})
        if can_manage and impact is not None and impact.launched_at is None
        else None,
        "action_status_form": ActionStatusForm(),
        "assessment_charts": assessment_comparison(accompaniment),
        "overdue_action_count": sum(1 for action in actions if action.is_overdue),
        # A closed accompaniment may become a project sheet (accompaniment/views/project.py).
        "project_sheet": accompaniment_project(accompaniment)
        if can_contribute and accompaniment.status == AccompanimentStatus.COMPLETED
        else None,
    }
    return render(request, "accompaniment/detail.html", context)


def _group_findings(findings):
    from accompaniment.enums import FindingKind

    return [(kind, label, [f for f in findings if f.kind == kind]) for kind, label in FindingKind.choices]


@login_required
@require_http_methods(["GET", "POST"])
def accompaniment_edit(request, pk: int):
    accompaniment = permissions.get_accompaniment_or_404(request, pk, manage=True)
    form = AccompanimentForm(
        request.POST if request.method == "POST" else None,
        initial={
            "title": accompaniment.title,
            "support_type": accompaniment.support_type,
            "context": accompaniment.context,
            "expected_outcome": accompaniment.expected_outcome,
            "professional_lead": accompaniment.professional_lead_id,
            "patient_partner_lead": accompaniment.patient_partner_lead_id,
        },
    )
    if request.method == "POST" and form.is_valid():
        response = apply_service(
            request,
            lambda: services.accompaniment_update(
                accompaniment=accompaniment, by=request.user, **form.cleaned_data
            ),
            form=form,
            success_message=_("L'accompagnement est mis à jour."),
            redirect_to=accompaniment,
        )
        if response:
            return response
    return render(
        request,
        "accompaniment/accompaniment_edit.html",
        {"accompaniment": accompaniment, "form": form},
        status=form_status(form),
    )


@login_required
@require_http_methods(["GET", "POST"])
def convention_edit(request, pk: int):
    accompaniment = permissions.get_accompaniment_or_404(request, pk, manage=True)
    form = ConventionForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial={
            "start": accompaniment.convention_start,
            "end": accompaniment.convention_end,
            "planned_interventions": accompaniment.planned_interventions,
            "signed_on": accompaniment.convention_signed_on,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        response = apply_service(
            request,
            lambda: services.convention_update(
                accompaniment=accompaniment,
                start=data["start"],
                end=data["end"],
                planned_interventions=data["planned_interventions"],
                signed_on=data["signed_on"],
                signed_file=data["signed_file"] or None,
                by=request.user,
            ),
            form=form,
            success_message=_("La convention de partenariat est enregistrée."),
            redirect_to=accompaniment.get_absolute_url() + "#convention",
        )
        if response:
            return response
    return render(
        request,
        "accompaniment/convention_form.html",
        {"accompaniment": accompaniment, "form": form},
        status=form_status(form),
    )


@never_cache
@login_required
@require_GET
def convention_download(request, pk: int):
    """The signed convention, to the staff and the structure's référents only (private storage)."""
    accompaniment = permissions.get_accompaniment_or_404(request, pk)
    if not accompaniment.convention_file:
        raise Http404
    try:
        handle = accompaniment.convention_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    filename = f"convention-{slugify(accompaniment.structure.name)[:60]}.pdf"
    response = FileResponse(handle, content_type="application/pdf", as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Phases ---------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def phase_close(request, pk: int):
    accompaniment = permissions.get_accompaniment_or_404(request, pk, manage=True)
    current = accompaniment.current_phase
    form = PhaseCloseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():

        def closed(phase) -> str:
            if accompaniment.current_phase is None:
                return _("Dernière phase clôturée : l'accompagnement est terminé.")
            return _("La phase « %(closed)s » est clôturée ; la phase « %(next)s » commence.") % {
                "closed": phase.short_name,
                "next": accompaniment.current_phase.short_name,
            }

        response = apply_service(
            request,
            lambda: services.phase_close(
                accompaniment=accompaniment,
                by=request.user,
                ended_on=form.cleaned_data["ended_on"],
                reason=form.cleaned_data["reason"],
            ),
            form=form,
            success_message=closed,
            redirect_to=accompaniment.get_absolute_url() + "#phases",
        )
        if response:
            return response
    if current is not None:
        current.accompaniment = accompaniment
        requirements = requirement_states(current)
    else:
        requirements = []
    return render(
        request,
        "accompaniment/phase_close.html",
        {"accompaniment": accompaniment, "phase": current, "requirements": requirements, "form": form},
        status=form_status(form),
    )


@login_required
@require_http_methods(["GET", "POST"])
def phase_reopen(request, pk: int, phase_pk: int):
    accompaniment = permissions.get_accompaniment_or_404(request, pk)
    if not permissions.can_reopen_phase(request.user, accompaniment):
        raise PermissionDenied
    phase = get_object_or_404(Phase, pk=phase_pk, accompaniment=accompaniment)
    form = PhaseReopenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        response = apply_service(
            request,
            lambda: services.phase_reopen(phase=phase, by=request.user, reason=form.cleaned_data["reason"]),
            form=form,
            success_message=_("La phase « %(phase)s » est rouverte.") % {"phase": phase.short_name},
            redirect_to=accompaniment.get_absolute_url() + "#phases",
        )
        if response:
            return response
    return render(
        request,
        "accompaniment/phase_reopen.html",
        {"accompaniment": accompaniment, "phase": phase, "form": form},
        status=form_status(form),
    )


@login_required
@require_http_methods(["GET", "POST"])
def phase_dates(request, pk: int, phase_pk: int):
    accompaniment = permissions.get_accompaniment_or_404(request, pk, manage=True)
    phase = get_object_or_404(Phase, pk=phase_pk, accompaniment=accompaniment)
    form = PhaseDatesForm(
        request.POST if request.method == "POST" else None,
        initial={"started_on": phase.started_on, "ended_on": phase.ended_on},
    )
    if request.method == "POST" and form.is_valid():
        response = apply_service(
            request,
            lambda: services.phase_set_dates(
                phase=phase,
                started_on=form.cleaned_data["started_on"],
                ended_on=form.cleaned_data["ended_on"],
                by=request.user,
            ),
            form=form,
            success_message=_("Les dates de la phase « %(phase)s » sont corrigées.")
            % {"phase": phase.short_name},
            redirect_to=accompaniment.get_absolute_url() + "#phases",
        )
        if response:
            return response
    return render(
        request,
        "accompaniment/phase_dates.html",
        {"accompaniment": accompaniment, "phase": phase, "form": form},
        status=form_status(form),
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessments_edit(request, pk: int):
    accompaniment = permissions.get_accompaniment_or_404(request, pk, manage=True)
    form = AssessmentsForm(
        request.POST if request.method == "POST" else None,
        structure=accompaniment.structure,
        initial={
            "start_assessment": accompaniment.start_assessment_id,
            "end_assessment": accompaniment.end_assessment_id,
        },
    )
    if request.method == "POST" and form.is_valid():
        response = apply_service(
            request,
            lambda: services.accompaniment_attach_assessments(
                accompaniment=accompaniment,
                start=form.cleaned_data["start_assessment"],
                end=form.cleaned_data["end_assessment"],
                by=request.user,
            ),
            form=form,
            success_message=_("Les séances d'auto-évaluation sont rattachées."),
            redirect_to=accompaniment.get_absolute_url() + "#auto-evaluation",
        )
        if response:
            return response
    return render(
        request,
        "accompaniment/content_form.html",
        {
            "accompaniment": accompaniment,
            "form": form,
            "title": _("Rattacher les auto-évaluations"),
            "intro": _(
                "Une séance d'auto-évaluation de la structure au départ, une autre à la fin : "
                "la cible montre alors l'évolution du partenariat."
            ),
            "anchor": "#auto-evaluation",
            "button": _("Rattacher les séances"),
        },
    )
