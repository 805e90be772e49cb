"""The landing page and requests for support: ask, follow, decide, complete."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accompaniment import permissions, selectors
from accompaniment.enums import RequestStatus
from accompaniment.forms import ComplementForm, DecisionForm, SupportRequestForm
from accompaniment.models import PhaseDefinition, PhaseTemplate
from accompaniment.services import requests as services
from actors.models import Structure
from cops.views_helpers import apply_service


@require_GET
def landing(request):
    """What the COPS's support is, its five phases, and the way in for each kind of visitor."""
    user = request.user
    default_template = PhaseTemplate.objects.filter(is_default=True).first()
    phases = (
        list(PhaseDefinition.objects.filter(template=default_template).order_by("position"))
        if default_template
        else []
    )
    other_templates = PhaseTemplate.objects.filter(is_active=True, is_default=False).prefetch_related(
        "definitions"
    )
    referent_ids = permissions.referent_structure_ids(user)
    context = {
        "phases": phases,
        "default_template": default_template,
        "other_templates": other_templates,
        "can_request": permissions.can_request_for_some_structure(user),
        "referent_structures": Structure.objects.filter(pk__in=referent_ids).order_by("name")
        if referent_ids
        else [],
        "can_view_queue": permissions.can_view_request_queue(user),
        "can_view_board": permissions.can_view_board(user),
        "waiting_count": selectors.waiting_request_count()
        if permissions.can_view_request_queue(user)
        else None,
        "my_requests": list(selectors.visible_requests(user).filter(structure_id__in=referent_ids)[:20])
        if referent_ids
        else [],
        "my_accompaniments": list(selectors.referent_accompaniments(user)) if referent_ids else [],
    }
    return render(request, "accompaniment/landing.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def request_create(request):
    referent_ids = permissions.referent_structure_ids(request.user)
    structures = Structure.objects.filter(pk__in=referent_ids).order_by("name")
    if not permissions.can_request_for_some_structure(request.user):
        return render(request, "accompaniment/request_not_referent.html", status=403)
    initial = {
        "contact_name": request.user.get_full_name(),
        "contact_email": request.user.email,
        "structure": request.GET.get("structure") or (structures[0].pk if len(structures) == 1 else None),
    }
    form = SupportRequestForm(
        request.POST if request.method == "POST" else None, structures=structures, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not permissions.can_request_support(request.user, data["structure"]):
            raise PermissionDenied
        response = apply_service(
            request,
            lambda: services.support_request_submit(
                structure=data["structure"],
                by=request.user,
                support_type=data["support_type"],
                title=data["title"],
                context=data["context"],
                expected_outcome=data["expected_outcome"],
                contact_name=data["contact_name"],
                contact_email=data["contact_email"],
                contact_phone=data["contact_phone"],
            ),
            form=form,
            success_message=_(
                "Votre demande est envoyée. Le CoPil l'examinera ; vous recevrez sa décision par courriel."
            ),
            redirect_to=lambda support_request: support_request,
        )
        if response:
            return response
    return render(request, "accompaniment/request_form.html", {"form": form})


@login_required
@require_GET
def request_list(request):
    """The queue (staff and CoPil) or the référent's own requests."""
    if not (
        permissions.can_view_request_queue(request.user) or permissions.referent_structure_ids(request.user)
    ):
        raise PermissionDenied
    status = request.GET.get("statut", "")
    requests = selectors.visible_requests(request.user).order_by("-submitted_at")
    if status in RequestStatus.values:
        requests = requests.filter(status=status)
    counts = {
        value: selectors.visible_requests(request.user).filter(status=value).count()
        for value in RequestStatus.values
    }
    return render(
        request,
        "accompaniment/request_list.html",
        {
            "requests": requests,
            "status": status,
            "statuses": [(value, label, counts[value]) for value, label in RequestStatus.choices],
            "is_queue": permissions.can_view_request_queue(request.user),
        },
    )


@login_required
@require_GET
def request_detail(request, pk: int):
    support_request = permissions.get_request_or_404(request, pk)
    user = request.user
    can_decide = permissions.can_decide_request(user) and support_request.is_open
    context = {
        "support_request": support_request,
        "history": selectors.request_history(support_request),
        "decision_form": DecisionForm() if can_decide else None,
        "complement_form": ComplementForm()
        if support_request.status == RequestStatus.MORE_INFO
        and permissions.can_complete_request(user, support_request)
        else None,
        "can_open": permissions.can_open_accompaniment(user)
        and support_request.status == RequestStatus.ACCEPTED
        and not hasattr(support_request, "accompaniment"),
        "accompaniment": getattr(support_request, "accompaniment", None),
        "can_view_accompaniment": hasattr(support_request, "accompaniment")
        and permissions.can_view_accompaniment(user, support_request.accompaniment),
    }
    return render(request, "accompaniment/request_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def request_decide(request, pk: int):
    support_request = permissions.get_request_or_404(request, pk)
    if not permissions.can_decide_request(request.user):
        raise PermissionDenied
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        response = apply_service(
            request,
            lambda: services.support_request_decide(
                support_request=support_request,
                outcome=data["outcome"],
                reason=data["reason"],
                decided_on=data["decided_on"],
                copil_meeting=data["copil_meeting"],
                by=request.user,
            ),
            form=form,
            success_message=lambda decision: _(
                "Décision enregistrée (%(outcome)s) ; le demandeur en est informé par courriel."
            )
            % {"outcome": decision.get_outcome_display().lower()},
            redirect_to=support_request,
        )
        if response:
            return response
    return render(
        request, "accompaniment/request_decide.html", {"support_request": support_request, "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_complete(request, pk: int):
    support_request = permissions.get_request_or_404(request, pk)
    if not permissions.can_complete_request(request.user, support_request):
        raise PermissionDenied
    form = ComplementForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        response = apply_service(
            request,
            lambda: services.support_request_complete(
                support_request=support_request, text=form.cleaned_data["text"], by=request.user
            ),
            form=form,
            success_message=_("Merci : votre complément est transmis au CoPil."),
            redirect_to=support_request,
        )
        if response:
            return response
    return render(
        request,
        "accompaniment/request_complete.html",
        {
            "support_request": support_request,
            "form": form,
            "history": selectors.request_history(support_request),
        },
    )
