"""Memberships: asking to join a structure; its référents (or the staff) answer."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from actors.enums import MembershipStatus, ModerationStatus
from actors.models import Membership, Person, Structure
from actors.permissions import can_edit_structure, directory_viewer_level, is_cops_staff
from actors.selectors.profiles import pending_memberships_for_referent, person_title
from actors.services.memberships import membership_decide, membership_request
from directory.forms import MembershipDecisionForm, MembershipRequestForm
from directory.ratelimit import rate_limited


@login_required
@require_http_methods(["POST"])
@rate_limited("membership", methods=("POST",))
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
    try:
        membership_request(
            person=person,
            structure=structure,
            function=form.cleaned_data["function"],
            message=form.cleaned_data["message"],
            by=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Votre demande est envoyée aux référents de la structure."))
    return redirect("directory:structure_detail", pk)


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
        try:
            membership_decide(
                membership=membership,
                accept=accept,
                by=request.user,
                is_referent=form.cleaned_data["is_referent"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Demande acceptée.") if accept else _("Demande refusée."))
    return redirect("directory:membership_requests")
