"""The resource library (« Ressources »): search and filters, a resource's page and download, the
référents' and staff's proposals, the staff's moderation; and the lexicon « Des mots pour se
comprendre »."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from actors.enums import ModerationStatus
from actors.permissions import is_cops_staff, staff_required
from cops.fragments import kept_fragment
from cops.uploads import stored_file_response
from cops.views_helpers import apply_service
from directory.forms_resources import ResourceForm, ResourceReviewForm, ResourceSearchForm
from directory.models import Resource
from directory.permissions import can_moderate_resources, can_propose_resource, get_resource_or_404
from directory.selectors.resources import (
    lexicon,
    published_resources,
    recently_decided_resources,
    resources_to_moderate,
    structures_for_proposer,
)
from directory.services.resources import (
    resource_count_download,
    resource_propose,
    resource_publish,
    resource_refuse,
    resource_update,
)
from directory.views.browse import limit_searches

PAGE_SIZE = 12


def _card_key(resource: Resource) -> tuple:
    """Every value _card.html reads of a resource."""
    return (
        resource.pk,
        resource.kind,
        resource.audience,
        resource.slug,
        resource.title,
        resource.summary,
        resource.author_structure.name if resource.author_structure else None,
        resource.published_on,
        bool(resource.link),
        resource.file_format,
        resource.download_count,
        tuple(theme.label for theme in resource.themes.all()),
    )


@require_GET
@limit_searches
def resource_list(request):
    form = ResourceSearchForm(request.GET)
    # An unknown filter value (an old bookmark, a hand-edited address) is ignored, not an error page.
    cleaned = form.cleaned_data if form.is_valid() else {}
    queryset = published_resources(
        query=(cleaned.get("q") or "").strip(),
        kind=cleaned.get("type") or "",
        audience=cleaned.get("public") or "",
        theme=cleaned.get("theme"),
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    # The three lists of the filter form, with the chosen value (an unknown one selects nothing).
    filter_fields = [
        {
            "name": name,
            "label": form.fields[name].label,
            "choices": [(str(value), label) for value, label in form.fields[name].choices],
            "selected": request.GET.get(name, ""),
        }
        for name in ("type", "public", "theme")
    ]
    resources = list(page.object_list)
    return render(
        request,
        "directory/resources/list.html",
        {
            "form": form,
            "filter_fields_html": kept_fragment(
                (
                    "resources.filter_fields",
                    *((f["name"], f["label"], tuple(f["choices"]), f["selected"]) for f in filter_fields),
                ),
                lambda: render_to_string(
                    "directory/resources/_filter_fields.html", {"filter_fields": filter_fields}
                ),
            ),
            "selected": {"q": request.GET.get("q", "")},
            "page": page,
            "resources": resources,
            "cards_html": kept_fragment(
                ("resources.cards", *(_card_key(resource) for resource in resources)),
                lambda: render_to_string("directory/resources/_card_list.html", {"resources": resources}),
            ),
            "filtered": any(cleaned.get(name) for name in ("q", "type", "public", "theme")),
            "query_without_page": query.urlencode(),
            "can_propose": can_propose_resource(request.user),
            "can_moderate": can_moderate_resources(request.user),
        },
    )


@require_GET
def resource_detail(request, slug: str):
    resource = get_resource_or_404(request, slug)
    return render(
        request,
        "directory/resources/detail.html",
        {
            "resource": resource,
            "themes": list(resource.themes.all()),
            "can_moderate": can_moderate_resources(request.user),
        },
    )


@require_GET
def resource_download(request, slug: str):
    """The file (from private storage, as an attachment under the resource's name) or the link;
    only a published resource's downloads are counted (a proposer checking theirs is not one)."""
    resource = get_resource_or_404(request, slug)
    if resource.is_published:
        resource_count_download(resource=resource)
    if resource.link:
        return redirect(resource.link)
    return stored_file_response(
        resource.file,
        filename=resource.download_name,
        file_format=resource.file_format,
        cache_control="public, max-age=3600" if resource.is_published else "private, no-store",
    )


@login_required
@require_http_methods(["GET", "POST"])
def resource_propose_view(request):
    if not can_propose_resource(request.user):
        return render(request, "directory/resources/not_allowed.html", status=403)
    staff = is_cops_staff(request.user)
    form = ResourceForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        structures=structures_for_proposer(request.user),
    )
    if request.method == "POST":
        if form.is_valid():
            publish = staff and request.POST.get("publish") == "1"
            response = apply_service(
                request,
                lambda: resource_propose(
                    by=request.user, changes=form.cleaned_data, file_format=form.file_format, publish=publish
                ),
                form=form,
                success_message=(
                    _("La ressource est publiée.")
                    if publish
                    else _(
                        "Merci ! Votre proposition est envoyée à l'équipe du COPS, qui la relira avant de la publier."
                    )
                ),
                redirect_to=lambda resource: resource.get_absolute_url(),
            )
            if response:
                return response
        status = 400
    else:
        status = 200
    return render(request, "directory/resources/propose.html", {"form": form, "staff": staff}, status=status)


@staff_required
@require_GET
def resource_moderation(request):
    return render(
        request,
        "directory/resources/moderation.html",
        {"pending": list(resources_to_moderate()), "decided": recently_decided_resources()},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def resource_review(request, pk: int):
    resource = get_object_or_404(Resource.objects.select_related("proposed_by", "author_structure"), pk=pk)
    form = ResourceReviewForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        instance=resource,
        structures=structures_for_proposer(request.user),
        initial={"decision": "publish" if resource.status != ModerationStatus.PUBLISHED else "save"},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            decision = data["decision"]

            def decide():
                # The corrections and the decision stand or fall together.
                with transaction.atomic():
                    updated = resource_update(
                        resource=resource, by=request.user, changes=data, file_format=form.file_format
                    )
                    if decision == "publish" and updated.status != ModerationStatus.PUBLISHED:
                        return resource_publish(resource=updated, by=request.user)
                    if decision == "refuse":
                        return resource_refuse(resource=updated, by=request.user, reason=data["reason"])
                    return updated

            messages_by_decision = {
                "publish": _("La ressource est publiée ; la personne qui l'a proposée est prévenue."),
                "refuse": _("La ressource est refusée ; la personne qui l'a proposée reçoit votre message."),
                "save": _("Les modifications sont enregistrées."),
            }
            response = apply_service(
                request,
                decide,
                form=form,
                success_message=messages_by_decision[decision],
                redirect_to="directory:resource_moderation",
            )
            if response:
                return response
        status = 400
    return render(
        request, "directory/resources/review.html", {"form": form, "resource": resource}, status=status
    )


@require_GET
def glossary(request):
    return render(request, "directory/glossary.html", {"lexicon": lexicon()})
