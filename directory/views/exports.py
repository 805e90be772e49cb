"""Exports of the filtered directory (partners and staff), and the yearly accuracy confirmation."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from actors.enums import Visibility
from actors.permissions import directory_viewer_level, is_cops_staff
from cops.ratelimit import limit_secret_guesses, secret_link_found
from directory.exports import export_csv, export_xlsx
from directory.forms import ExportForm
from directory.selectors.listing import entry_filter
from directory.services.profiles import accuracy_profile_from_token, profile_confirm_accuracy


@login_required
@require_GET
def export(request, fmt: str):
    """Partners export what they may see; the staff choose the audience (default: staff)."""
    level = directory_viewer_level(request.user)
    if level < Visibility.PARTNERS:
        raise PermissionDenied
    if is_cops_staff(request.user):
        choice = ExportForm(request.GET)
        if choice.is_valid() and choice.cleaned_data.get("audience") not in (None, ""):
            level = choice.cleaned_data["audience"]
    entries = entry_filter(request.GET, level=level).qs
    stamp = timezone.localdate().isoformat()
    if fmt == "csv":
        body, content_type = (
            export_csv(entries, level=level, site_url=settings.SITE_URL),
            "text/csv; charset=utf-8",
        )
    elif fmt == "xlsx":
        body = export_xlsx(entries, level=level, site_url=settings.SITE_URL)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise Http404
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="annuaire-cops-{stamp}.{fmt}"'
    return response


@require_GET
@limit_secret_guesses
def confirm_accuracy(request, token: str):
    """One click from the yearly email: the profile is confirmed as still accurate."""
    profile = accuracy_profile_from_token(token)
    if profile is not None:
        secret_link_found(request)
        profile_confirm_accuracy(profile=profile)
    return render(
        request,
        "directory/accuracy_confirmed.html",
        {"profile_title": str(profile) if profile else "", "ok": profile is not None},
        status=200 if profile is not None else 400,
    )
