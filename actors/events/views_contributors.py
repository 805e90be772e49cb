"""A person's answer to the invitation to appear as organiser or speaker of an event
(/agenda/intervention/<pk>/): from the email's link or Mon espace, signed in, their own only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from actors.events import services_contributors
from actors.events.views import event_when
from actors.models.events import EventContributor
from cops.views_helpers import apply_service

ACCEPT, REFUSE = "accepte", "refuse"


@login_required
@require_http_methods(["GET", "POST"])
def contributor_answer(request, pk: int):
    # Another person's invitation is not found (a 404 says nothing about who was invited).
    contributor = get_object_or_404(
        EventContributor.objects.select_related("event", "person"), pk=pk, person__user=request.user
    )
    here = reverse("events:contributor_answer", args=[pk])
    if request.method == "POST":
        answer = request.POST.get("reponse", "")
        if answer not in (ACCEPT, REFUSE):
            messages.error(request, _("Choisissez « J'accepte d'apparaître » ou « Je refuse »."))
            return redirect(here)
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
            target = here
        return apply_service(
            request,
            lambda: services_contributors.contributor_respond(
                contributor=contributor, user=request.user, accept=answer == ACCEPT
            ),
            success_message=_("Merci : vous apparaîtrez sur la page de l'événement.")
            if answer == ACCEPT
            else _("C'est noté : vous n'apparaîtrez pas sur la page de l'événement."),
            redirect_to=target,
        ) or redirect(here)
    event = contributor.event
    return render(
        request,
        "actors/events/contributor_answer.html",
        {"contributor": contributor, "event": event, "when": event_when(event.starts_at, event.ends_at)},
    )
