"""From a closed accompaniment to a project sheet of the directory (a draft its author completes)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accompaniment import permissions
from accompaniment.enums import AccompanimentStatus
from cops.views_helpers import apply_service
from directory.services.project_prefill import (
    accompaniment_project,
    project_from_accompaniment,
    project_prefill,
)


class ProjectPublishForm(forms.Form):
    # Input only: the one choice the person makes; the service decides what is copied.
    radar_consent = forms.BooleanField(
        label=gettext_lazy(
            "Les participants à l'auto-évaluation ont donné leur accord pour publier les résultats "
            "avant / après"
        ),
        required=False,
        help_text=gettext_lazy(
            "Sans cet accord, les résultats de l'auto-évaluation restent dans l'accompagnement."
        ),
    )


def _edit_url(project) -> str:
    return reverse("directory:project_edit", args=[project.slug])


@login_required
@require_http_methods(["GET", "POST"])
def project_publish(request, pk: int):
    """GET: exactly what the project sheet would copy; POST: the draft sheet, then its edit page.

    The structure's référents and the COPS team only (others: 404, or 403 for a viewer who may
    not contribute); an accompaniment still under way is refused and nothing is created.
    """
    accompaniment = permissions.get_accompaniment_or_404(request, pk, contribute=True)
    existing = accompaniment_project(accompaniment)
    if request.method == "POST" and existing is not None:
        # A second click (or a second référent): the sheet already exists, never a second one.
        messages.info(request, _("La fiche projet de cet accompagnement existe déjà : la voici."))
        return redirect(_edit_url(existing))
    form = ProjectPublishForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        response = apply_service(
            request,
            lambda: project_from_accompaniment(
                accompaniment=accompaniment,
                by=request.user,
                include_radar=form.cleaned_data["radar_consent"],
            )[0],
            form=form,
            success_message=_(
                "Le brouillon de la fiche projet est prêt. Complétez-le, puis envoyez-le à l'équipe "
                "du COPS : rien n'est publié avant sa validation."
            ),
            redirect_to=_edit_url,
        )
        if response:
            return response
    prefill = project_prefill(accompaniment=accompaniment, include_radar=True)
    radar = prefill.radar
    radar_rows = (
        [
            (
                label,
                radar["before"][label]["professionnel"],
                radar["after"][label]["professionnel"],
                radar["before"][label]["usager"],
                radar["after"][label]["usager"],
            )
            for label in radar["criteria"]
        ]
        if radar
        else []
    )
    return render(
        request,
        "accompaniment/project_publish.html",
        {
            "accompaniment": accompaniment,
            "closed": accompaniment.status == AccompanimentStatus.COMPLETED,
            "existing": existing,
            "existing_url": _edit_url(existing) if existing else "",
            "prefill": prefill,
            "radar_rows": radar_rows,
            "form": form,
        },
        status=400 if form.is_bound and form.errors else 200,
    )
