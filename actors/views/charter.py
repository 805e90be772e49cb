"""Charter pages: the text, signing and withdrawing, signatories, statistics, staff tools."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook

from actors.charter_enums import SignatureSide
from actors.charter_permissions import (
    can_export_signatories,
    can_manage_charter,
    can_sign_charter,
    can_withdraw_signature,
)
from actors.enums import ActorKind, Visibility, Zone
from actors.forms.charter import CharterVersionForm, SignatoryFilterForm, SignForm, WithdrawForm
from actors.models import CharterVersion, Signature
from actors.permissions import staff_required
from actors.selectors import charter as selectors
from actors.selectors.committees import meetings_of_user
from actors.services import charter as services
from actors.signals import charter_data_version
from cops import charts
from cops.reports import ReportError, report_request
from cops.views_helpers import apply_service

SIGNATORIES_PER_PAGE = 30

# The committee's domain names are long; charts label their axis with these (tables keep the full name).
SHORT_DOMAINS = {
    "formation-recherche-innovation": gettext_lazy("Formation, recherche, innovation"),
    "management-parcours-gouvernance": gettext_lazy("Management, parcours, coordination, gouvernance"),
    "soin-accompagnement": gettext_lazy("Soin et accompagnement"),
}


def directory_registration_url() -> str:
    """Where a partner creates their person profile (the directory's registration)."""
    for name in ("directory:register", "directory:person_register"):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return "/annuaire/"


# --- Public pages ------------------------------------------------------------------------------------------


@require_GET
def charter(request):
    # The data part (versions, counts) is kept per version of the charter's data: one query.
    token = charter_data_version()
    versions = selectors.charter_versions_published_cached(token=token)
    version = versions[0] if versions else None  # the current one (charter_current_version)
    context = {
        "version": version,
        "versions": versions,
        "is_open": bool(version and selectors.charter_version_is_open(version)),
        "signatories": selectors.signatory_counts(version, token=token) if version else None,
        "my_signatures": selectors.signatures_concerning(request.user),
        "my_meetings_count": (meetings_of_user(request.user).count() if request.user.is_authenticated else 0),
        "can_manage": can_manage_charter(request.user),
    }
    return render(request, "charter/charter.html", context)


@require_GET
def charter_version(request, year: int):
    version = get_object_or_404(CharterVersion, year=year, published_at__isnull=False)
    current = selectors.charter_current_version()
    return render(
        request,
        "charter/version.html",
        {"version": version, "current": current, "versions": list(selectors.charter_versions_published())},
    )


def _filters_from(form: SignatoryFilterForm) -> selectors.SignatoryFilters:
    form.is_valid()  # unknown values are simply ignored: cleaned_data keeps the valid ones
    data = getattr(form, "cleaned_data", {})
    return selectors.SignatoryFilters(
        kind=data.get("type") or "",
        side=data.get("cote") or "",
        zone=data.get("localisation") or "",
        domain=data.get("domaine"),
    )


def _version_from(request, versions: list[CharterVersion] | None = None) -> CharterVersion | None:
    """The version asked for (?annee=), else the current one; picked from `versions` (the published
    ones, newest first) when the page has read them already."""
    if versions is None:
        raw = request.GET.get("annee", "")
        version = selectors.charter_version_for_year(int(raw)) if raw.isdigit() else None
        return version or selectors.charter_current_version()
    by_year = {str(version.year): version for version in versions}
    return by_year.get(request.GET.get("annee", "")) or (versions[0] if versions else None)


@require_GET
def signatories(request):
    token = charter_data_version()
    versions = selectors.charter_versions_published_cached(token=token)
    version = _version_from(request, versions)
    form = SignatoryFilterForm(request.GET or None, versions=versions)
    filters = _filters_from(form)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "version": version,
        "versions": versions,
        "form": form,
        "filters": filters,
        "can_export": can_export_signatories(request.user),
        "results": _signatory_results(
            version, filters, query.urlencode(), request.GET.get("page"), token=token
        )
        if version
        else "",
    }
    if request.htmx:
        return HttpResponse(context["results"])
    return render(request, "charter/signatories.html", context)


def _signatory_results(version: CharterVersion, filters, query: str, page_number, *, token: str) -> str:
    """The rendered results (count, cards, pagination), kept per data version, filters and page.

    The list is the public's (no viewer sees more on this page), hence the fixed level in the
    keys; the form, the export links and the page around are rendered for each request."""
    level = Visibility.PUBLIC

    def render_results() -> str:
        listing, rows = selectors.filtered_signatories_cached(version, filters, level, token=token)
        page = Paginator(rows, SIGNATORIES_PER_PAGE).get_page(page_number)
        context = {"listing": listing, "page": page, "count": len(rows), "filters": filters, "query": query}
        return render_to_string("charter/partials/_signatories.html", context)

    # Keyed by the page asked for as sent (get_page() turns a wrong one into the first or the last).
    # Per process only: the query string is the visitor's, and the shared cache's table must not
    # fill up with their variants (culling it would also drop the live rate-limit counters).
    return selectors.remembered(
        ("signatories", version.pk, level, filters, str(page_number or ""), query),
        render_results,
        token=token,
        store="rendered",
    )


def statistics_charts(stats: selectors.SignatoryStatistics) -> list[charts.Chart]:
    """The committee's own four charts: by type, by side, by localisation, by domain."""
    persons, structures = _("Personnes"), _("Structures")
    kind_series = [
        (structures, ActorKind.STRUCTURE, charts.PALETTE[4]),
        (persons, ActorKind.PERSON, charts.PALETTE[3]),
    ]
    by_type = charts.bar_chart(
        title=_("Type de participation"),
        categories=[_("Structure"), _("Individuelle")],
        series=[charts.Series(_("Signataires"), [stats.structures, stats.persons], charts.JOINT_COLOR)],
        category_label=_("Type"),
    )
    side_order = [SignatureSide.USER, SignatureSide.PROFESSIONAL, SignatureSide.BOTH, SignatureSide.UNKNOWN]
    side_colors = {
        SignatureSide.USER: charts.USER_COLOR,
        SignatureSide.PROFESSIONAL: charts.PRO_COLOR,
        SignatureSide.BOTH: charts.JOINT_COLOR,
        SignatureSide.UNKNOWN: charts.PALETTE[6],
    }
    # One bar per side, each in its own colour: a stacked chart whose series each fill one category.
    short_side = {
        SignatureSide.USER: _("Patients, proches-aidants, RU"),
        SignatureSide.PROFESSIONAL: _("Professionnels"),
        SignatureSide.BOTH: _("Les deux"),
        SignatureSide.UNKNOWN: _("Non communiqué"),
    }
    by_side = charts.stacked_bar_chart(
        title=_("Profils des personnes signataires"),
        categories=[short_side[side] for side in side_order],
        series=[
            charts.Series(
                str(side.label),
                [stats.sides[side] if other == side else 0 for other in side_order],
                side_colors[side],
            )
            for side in side_order
        ],
        category_label=_("Côté du partenariat"),
    )
    by_side = dataclasses.replace(
        by_side,
        headers=[_("Côté du partenariat"), _("Personnes")],
        rows=[[str(side.label), charts.format_number(stats.sides[side])] for side in side_order],
    )
    zone_order = [
        (Zone.EST, _("Est")),
        (Zone.OUEST, _("Ouest")),
        (Zone.REGION, _("Région")),
        ("", _("Non communiquée")),
    ]
    by_zone = charts.bar_chart(
        title=_("Localisation en Occitanie"),
        categories=[label for _zone, label in zone_order],
        series=[
            charts.Series(label, [stats.zones[zone][kind] for zone, _label in zone_order], color)
            for label, kind, color in kind_series
        ],
        category_label=_("Localisation"),
    )
    full_labels = [domain.label for domain, _counts in stats.domains] + [_("Non communiqué")]
    domain_labels = [SHORT_DOMAINS.get(domain.code, domain.label) for domain, _counts in stats.domains]
    domain_labels.append(_("Non communiqué"))
    by_domain = charts.bar_chart(
        title=_("Domaines d'activité"),
        categories=domain_labels,
        series=[
            charts.Series(
                label,
                [counts[kind] for _domain, counts in stats.domains] + [stats.domains_unknown[kind]],
                color,
            )
            for label, kind, color in kind_series
        ],
        horizontal=True,
        category_label=_("Domaine"),
    )
    # The axis shows short names; the table gives each domain its full name.
    by_domain = dataclasses.replace(
        by_domain, rows=[[full, *row[1:]] for full, row in zip(full_labels, by_domain.rows, strict=True)]
    )
    return [by_type, by_side, by_zone, by_domain]


def evolution_chart(evolution: list[selectors.VersionCount]) -> charts.Chart | None:
    if not evolution:
        return None
    return charts.stacked_bar_chart(
        title=_("Évolution des signatures, charte par charte"),
        categories=[str(item.year) for item in evolution],
        series=[
            charts.Series(_("Structures"), [item.structures for item in evolution], charts.PALETTE[4]),
            charts.Series(_("Personnes"), [item.persons for item in evolution], charts.PALETTE[3]),
        ],
        category_label=_("Charte"),
    )


@require_GET
def statistics(request):
    token = charter_data_version()
    versions = selectors.charter_versions_published_cached(token=token)
    version = _version_from(request, versions)
    # Figures and charts are computed once per version of the charter's data (see remembered()):
    # the public's view of them, the same for every visitor.
    context = {
        "version": version,
        "versions": versions,
        **selectors.remembered(
            ("statistics-page", version.pk if version else None, Visibility.PUBLIC),
            lambda: statistics_data(version, Visibility.PUBLIC, token=token),
            token=token,
            store="rendered",
            shared=True,  # one entry per published version: the other processes read it
        ),
    }
    return render(request, "charter/statistics.html", context)


def statistics_data(version: CharterVersion | None, level: int, *, token: str) -> dict:
    """The figures and charts of the statistics page, from the signatures read once per data version."""
    facts = selectors.signature_facts_cached(version, token=token) if version else None
    stats = selectors.signatory_statistics(version, level, facts=facts) if version else None
    return {
        "stats": stats,
        "charts": statistics_charts(stats) if stats else [],
        "evolution": evolution_chart(selectors.signature_evolution()),
    }


# --- Signing and withdrawing -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def sign(request):
    version = selectors.charter_current_version()
    if version is None:
        raise Http404
    options = selectors.signing_options(request.user, version)
    form = SignForm(request.POST or None)
    if request.method == "POST" and can_sign_charter(request.user) and form.is_valid():
        kind, actor = form.cleaned_data["signatory"]
        response = apply_service(
            request,
            lambda: services.charter_sign(
                version=version,
                by=request.user,
                person=actor if kind == ActorKind.PERSON else None,
                structure=actor if kind == ActorKind.STRUCTURE else None,
            ),
            form=form,
            success_message=_("Merci : la signature de la charte %(year)s pour « %(name)s » est enregistrée.")
            % {"year": version.year, "name": actor},
            redirect_to="charter:charter",
        )
        if response:
            return response
    return render(
        request,
        "charter/sign.html",
        {
            "version": version,
            "form": form,
            "options": options,
            "selected": request.POST.get("signatory", ""),
            "is_open": selectors.charter_version_is_open(version),
            "can_sign": can_sign_charter(request.user),
            "registration_url": directory_registration_url(),
        },
        status=400 if request.method == "POST" and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request, pk: int):
    signature = get_object_or_404(
        Signature.objects.select_related("version", "person", "structure", "signed_by"), pk=pk
    )
    # 404, not 403: a withdrawn signature, or the full name of a signatory whose name is hidden in
    # the directory, is not for everyone to read by walking through the ids.
    if not can_withdraw_signature(request.user, signature):
        raise Http404
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        response = apply_service(
            request,
            lambda: services.signature_withdraw(
                signature=signature, by=request.user, reason=form.cleaned_data["reason"]
            ),
            form=form,
            success_message=_("La signature de « %(name)s » pour la charte %(year)s est retirée.")
            % {"name": signature.signatory, "year": signature.version.year},
            redirect_to="charter:charter",
        )
        if response:
            return response
    return render(
        request,
        "charter/withdraw.html",
        {"signature": signature, "form": form},
        status=400 if request.method == "POST" and form.errors else 200,
    )


# --- Staff: versions, publication, exports, report ---------------------------------------------------------


@staff_required
@require_GET
def manage(request):
    current_year = timezone.localdate().year
    return render(
        request,
        "charter/manage.html",
        {
            "versions": selectors.charter_versions_with_counts(),
            "current": selectors.charter_current_version(),
            "report_years": list(range(current_year, current_year - 6, -1)),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def version_edit(request, pk: int | None = None):
    version = get_object_or_404(CharterVersion, pk=pk) if pk else None
    initial = {}
    if version is None:
        year = timezone.localdate().year
        initial = {
            "year": year,
            "title": _("Charte d'engagement %(year)s") % {"year": year},
            "valid_from": date(year, 1, 1),
            "valid_until": date(year, 12, 31),
        }
        latest = CharterVersion.objects.order_by("-year").first()
        if latest is not None:
            initial["text"] = latest.text
    form = CharterVersionForm(request.POST or None, instance=version, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        response = apply_service(
            request,
            lambda: services.charter_version_save(
                version=version,
                year=data["year"],
                title=data["title"],
                text=data["text"],
                valid_from=data["valid_from"],
                valid_until=data.get("valid_until"),
                by=request.user,
            ),
            form=form,
            success_message=lambda saved: _("La version %(year)s est enregistrée.") % {"year": saved.year},
            redirect_to="charter:manage",
        )
        if response:
            return response
    return render(request, "charter/version_form.html", {"form": form, "version": version})


@staff_required
@require_http_methods(["GET", "POST"])
def version_publish(request, pk: int):
    version = get_object_or_404(CharterVersion, pk=pk)
    previous = selectors.charter_current_version()
    if request.method == "POST":
        # Published or refused (the reasons as messages), the staff go back to the charter's page.
        return apply_service(
            request,
            lambda: services.charter_version_publish(version=version, by=request.user),
            success_message=lambda count: _(
                "La charte %(year)s est publiée. Invitations à renouveler l'engagement envoyées : %(count)s."
            )
            % {"year": version.year, "count": count},
            redirect_to="charter:manage",
        ) or redirect("charter:manage")
    return render(request, "charter/version_publish.html", {"version": version, "previous": previous})


def _safe_cell(value) -> str:
    """Neutralise spreadsheet formulas (CSV injection): a leading =, +, -, @ or control char is quoted."""
    text = "" if value is None else str(value)
    if text and text[0] in ("=", "+", "-", "@", "\t", "\r", "\n"):
        return "'" + text
    return text


EXPORT_HEADERS = [
    gettext_lazy("Charte"),
    gettext_lazy("Type"),
    gettext_lazy("Signataire"),
    gettext_lazy("Type de structure ou profils"),
    gettext_lazy("Côté du partenariat"),
    gettext_lazy("Localisation"),
    gettext_lazy("Domaines"),
    gettext_lazy("Commune"),
    gettext_lazy("Signée le"),
    gettext_lazy("Signée par"),
    gettext_lazy("Retirée le"),
    gettext_lazy("Motif du retrait"),
]


def export_rows(version: CharterVersion) -> list[list[str]]:
    rows = []
    for signature in selectors.signatures_for_export(version):
        row = (
            selectors.person_row(signature, Visibility.STAFF)
            if signature.kind == ActorKind.PERSON
            else selectors.structure_row(signature, Visibility.STAFF)
        )
        # An anonymised signature (its person deleted) has no row: only its neutral signer name.
        described = (
            [row.name, row.detail, row.side_label, row.zone_label, " ; ".join(row.domains), row.place]
            if row is not None
            else [signature.signer_name, "", "", "", "", ""]
        )
        rows.append(
            [
                str(version.year),
                str(ActorKind(signature.kind).label),
                *described,
                timezone.localtime(signature.signed_at).strftime("%d/%m/%Y %H:%M"),
                signature.signer_name,
                timezone.localtime(signature.withdrawn_at).strftime("%d/%m/%Y %H:%M")
                if signature.withdrawn_at
                else "",
                signature.withdrawal_reason,
            ]
        )
    return rows


@staff_required
@require_GET
def export(request, fmt: str):
    if not can_export_signatories(request.user):
        raise PermissionDenied
    version = _version_from(request)
    if version is None:
        raise Http404
    rows = [[_safe_cell(cell) for cell in row] for row in export_rows(version)]
    headers = [str(header) for header in EXPORT_HEADERS]
    filename = f"signataires-charte-{version.year}"
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")  # Excel opens UTF-8 with accents correctly only with a BOM
        writer = csv.writer(buffer, delimiter=";")
        writer.writerow(headers)
        writer.writerows(rows)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    if fmt == "xlsx":
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = _("Signataires")[:31]
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
        for cells in sheet.iter_rows(min_row=2):
            for cell in cells:
                cell.data_type = "s"  # never a formula, whatever the text
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        return response
    raise Http404


@staff_required
@require_POST
def annual_report(request):
    raw = request.POST.get("year", "")
    if not raw.isdigit():
        messages.error(request, _("Choisissez l'année du rapport."))
        return redirect("charter:manage")
    try:
        job = report_request(kind="actors.annual_report", params={"year": int(raw)}, by=request.user)
    except ReportError as error:
        messages.error(request, str(error))
        return redirect("charter:manage")
    return redirect(job.get_absolute_url())
