"""Memberships: asking to join a structure; its référents (or the staff) answer."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from actors.enums import MembershipStatus, ModerationStatus
from actors.models import Membership, Person, Structure
from actors.permissions import directory_viewer_level, is_cops_staff
from cops.ratelimit import rate_limit
from cops.views_helpers import apply_service
from directory.forms import MembershipDecisionForm, MembershipRequestForm
from directory.permissions import can_edit_structure
from directory.selectors.profiles import pending_memberships_for_referent, person_title
from directory.services.memberships import membership_decide, membership_request


@login_required
@require_http_methods(["POST"])
@rate_limit(group="directory.membership", rate="20/h", key="user", methods=("POST",))
def request_membership(request, pk: int):
    structure = get_object_or_404(Structure, pk=pk, status=ModerationStatus.PUBLISHED)
    person = Person.objects.filter(user=request.user).first()
    if person is None:
        messages.error(request, _("Créez d'abord votre fiche personnelle pour rejoindre une structure."))
        return redirect("directory:register_person", "identite")
    form = MembershipRequestForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("directory:structure_detail", pk)
    # Sent or refused (the reason as a message), the person goes back to the structure's page.
    return apply_service(
        request,
        lambda: membership_request(
            person=person,
            structure=structure,
            function=form.cleaned_data["function"],
            message=form.cleaned_data["message"],
            by=request.user,
        ),
        success_message=_("Votre demande est envoyée aux référents de la structure."),
        redirect_to=reverse("directory:structure_detail", args=[pk]),
    ) or redirect("directory:structure_detail", pk)


def _requests_for(user):
    requests = pending_memberships_for_referent(user)
    if is_cops_staff(user):
        # Structures nobody can answer for: the staff decide.
        referents = Membership.objects.filter(
            structure=OuterRef("structure"), is_referent=True, status=MembershipStatus.ACCEPTED
        )
        orphan = (
            Membership.objects.filter(status=MembershipStatus.REQUESTED, structure__created_by__isnull=True)
            .filter(~Exists(referents))
            .select_related("person__commune", "structure")
        )
        requests = requests | orphan
    return requests.order_by("requested_at")


@login_required
@require_http_methods(["GET"])
def membership_requests(request):
    level = directory_viewer_level(request.user)
    items = [
        {"membership": membership, "person_title": person_title(membership.person, max(level, 1))}
        for membership in _requests_for(request.user)
    ]
    return render(request, "directory/membership_requests.html", {"items": items})


@login_required
@require_http_methods(["POST"])
def decide_membership(request, pk: int):
    membership = get_object_or_404(Membership.objects.select_related("structure"), pk=pk)
    allowed = can_edit_structure(request.user, membership.structure) or (
        is_cops_staff(request.user) and membership in _requests_for(request.user)
    )
    if not allowed:
        raise PermissionDenied
    form = MembershipDecisionForm(request.POST)
    if form.is_valid():
        accept = form.cleaned_data["decision"] == "accept"
        # Decided or refused (the reason as a message), the referent goes back to the requests.
        apply_service(
            request,
            lambda: membership_decide(
                membership=membership,
                accept=accept,
                by=request.user,
                is_referent=form.cleaned_data["is_referent"],
            ),
            success_message=_("Demande acceptée.") if accept else _("Demande refusée."),
            redirect_to="directory:membership_requests",
        )
    return redirect("directory:membership_requests")
