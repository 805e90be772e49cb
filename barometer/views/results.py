"""Results: staff dashboards, free texts, exports, report, follow-ups; and the public results."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from actors.permissions import staff_required
from barometer import exports, results, results_cache, selectors
from barometer.enums import Public, TextTag
from barometer.forms import TagForm
from barometer.models import Answer, Contact, PublishedReport, Questionnaire
from barometer.permissions import can_see_public_results, get_campaign_or_404
from barometer.services import answering as answering_services
from barometer.services import follow_ups
from barometer.services.reports import report_publish_request
from cops.ratelimit import rate_limit
from cops.reports import report_request


def _filtered_context(request, campaign, *, public: bool) -> dict:
    """The filters of a results page (validated GET parameters), what they select, and the
    cross-table they ask for; public figures go through the small-numbers rule."""
    options = results.filter_options(campaign)
    filters, notes = results.parse_filters(request.GET, options, public=public)
    context = {
        "filters": filters,
        "filter_options": options,
        "filter_notes": notes,
        "cross_table": results.cross_table(campaign, filters, public=public),
        "dimension_labels": {dim: results.dimension_label(dim) for dim in results.DIMENSIONS},
        "filter_summary": _summary(filters, options),
    }
    if filters.public:
        questionnaire = campaign.questionnaires.select_related("campaign").get(public=filters.public)
        context["filtered"] = _filtered_public(questionnaire, filters.subgroup, public=public)
    return context


def _summary(filters, options) -> str:
    """« Territoire : Est », the filters in words (empty without any)."""
    return " · ".join(
        f"{results.dimension_label(dim)} : {options.label(dim, value)}"
        for dim, value in filters.subgroup.items()
    )


def _filtered_public(questionnaire, subgroup: dict[str, str], *, public: bool) -> dict:
    """One public's results, for a group of its respondents (or all of them)."""
    group_size = None
    if subgroup:
        group_size = len(results.subgroup_response_ids([questionnaire.pk], subgroup))
    small = public and group_size is not None and group_size < results.MIN_CELL
    found = [] if small else results.questionnaire_results(questionnaire, public=public, subgroup=subgroup)
    submitted = questionnaire.responses.filter(status="submitted").count()
    if public and submitted < results.MIN_CELL:
        submitted = None
    return {
        "questionnaire": questionnaire,
        "groups": results.by_section(found),
        "group_size": group_size,
        "small": small,
        "submitted": submitted,
    }


@staff_required
@require_GET
def campaign_results(request, year: int):
    campaign = get_campaign_or_404(year)
    participation = results.participation(campaign)
    context = _filtered_context(request, campaign, public=False)
    filters = context["filters"]
    return render(
        request,
        "barometer/results/campaign.html",
        {
            **context,
            "campaign": campaign,
            "participation": participation,
            "participation_chart": results.participation_chart(participation),
            "per_day": results.responses_per_day(campaign),
            "total": sum(p.submitted for p in participation),
            "cross_tabs": [] if filters.public else results.cross_tabs(campaign, subgroup=filters.subgroup),
            "public": False,
            "min_cell": results.MIN_CELL,
        },
    )


@staff_required
@require_GET
def cross_table_export(request, year: int, fmt: str):
    """The cross-table the filters ask for, as CSV or XLSX (exact counts: staff only)."""
    campaign = get_campaign_or_404(year)
    return _cross_table_file(request, campaign, fmt, public=False)


@rate_limit(group="barometer.public_cross_table", rate="120/h", methods=("GET",))
@require_GET
def public_cross_table_export(request, year: int, fmt: str):
    """The public cross-table as CSV or XLSX: percentages only, hidden cells read « < 5 ».

    Computed for each download (not cached, unlike the page): hence a budget per visitor."""
    campaign = get_campaign_or_404(year)
    if not can_see_public_results(campaign):
        raise Http404
    return _cross_table_file(request, campaign, fmt, public=True)


def _cross_table_file(request, campaign, fmt: str, *, public: bool):
    options = results.filter_options(campaign)
    filters, _notes = results.parse_filters(request.GET, options, public=public)
    table = results.cross_table(campaign, filters, public=public)
    if table is None:
        raise Http404
    name = f"barometre-{campaign.year}-{table.code}-par-{table.by}"
    if fmt == "csv":
        response = HttpResponse(exports.cross_table_csv(table), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    if fmt == "xlsx":
        return FileResponse(
            exports.cross_table_xlsx(table, title=str(campaign.year)),
            as_attachment=True,
            filename=f"{name}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    if fmt == "pdf" and not public:
        return HttpResponse(
            exports.cross_table_pdf(table, campaign=campaign, filters=filters, options=options),
            content_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
        )
    raise Http404


@staff_required
@require_GET
def questionnaire_results(request, pk: int):
    questionnaire = get_object_or_404(Questionnaire.objects.select_related("campaign"), pk=pk)
    found = results.questionnaire_results(questionnaire)
    return render(
        request,
        "barometer/results/questionnaire.html",
        {
            "questionnaire": questionnaire,
            "campaign": questionnaire.campaign,
            "results": found,
            "groups": results.by_section(found),
            "previous": results.previous_questionnaire(questionnaire),
            "submitted": questionnaire.responses.filter(status="submitted").count(),
            "public": False,
            "min_cell": results.MIN_CELL,
        },
    )


@staff_required
@require_GET
def free_texts(request, pk: int):
    questionnaire = get_object_or_404(Questionnaire.objects.select_related("campaign"), pk=pk)
    query = request.GET.get("q", "").strip()
    tag = request.GET.get("etiquette", "")
    if tag not in TextTag.values:
        tag = ""
    featured = request.GET.get("citations") == "1"
    page = Paginator(
        selectors.free_texts(questionnaire, query=query, tag=tag, featured=featured), 30
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "barometer/results/free_texts.html",
        {
            "questionnaire": questionnaire,
            "campaign": questionnaire.campaign,
            "page": page,
            "query": query,
            "tag": tag,
            "featured": featured,
            "tags": TextTag.choices,
        },
    )


@staff_required
@require_POST
def answer_tag(request, pk: int):
    answer = get_object_or_404(Answer.objects.select_related("question", "response__questionnaire"), pk=pk)
    form = TagForm(request.POST)
    if form.is_valid():
        answering_services.answer_tag(
            answer=answer,
            tags=form.cleaned_data["tags"],
            featured=form.cleaned_data["featured"],
            by=request.user,
        )
    if request.htmx:
        return render(
            request,
            "barometer/results/partials/_free_text.html",
            {"answer": answer, "tags": TextTag.choices, "saved": form.is_valid()},
        )
    return redirect("barometer:staff_free_texts", pk=answer.response.questionnaire_id)


@staff_required
@require_GET
def export(request, year: int, fmt: str):
    campaign = get_campaign_or_404(year)
    public = request.GET.get("public") or None
    if public is not None and public not in Public.values:
        raise Http404
    name = f"barometre-{campaign.year}{'-' + public if public else ''}-reponses"
    if fmt == "csv":
        response = StreamingHttpResponse(
            exports.csv_stream(campaign, public), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    if fmt == "xlsx":
        return FileResponse(
            exports.xlsx_file(campaign, public),
            as_attachment=True,
            filename=f"{name}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    raise Http404


@staff_required
@require_POST
def request_report(request, year: int):
    campaign = get_campaign_or_404(year)
    job = report_request(kind="barometer.campaign", params={"year": campaign.year}, by=request.user)
    return redirect(job.get_absolute_url())


@staff_required
@require_POST
def publish_report(request, year: int):
    campaign = get_campaign_or_404(year)
    if not can_see_public_results(campaign):
        messages.error(request, _("Publiez d'abord les résultats de la campagne."))
    else:
        report_publish_request(campaign=campaign, by=request.user)
        messages.success(
            request,
            _("Le rapport public est en cours de préparation : il sera en ligne dans quelques minutes."),
        )
    return redirect("barometer:staff_contacts", year=year)


@staff_required
@require_GET
def contacts(request, year: int):
    campaign = get_campaign_or_404(year)
    queryset = Contact.objects.filter(campaign=campaign).order_by("email")
    return render(
        request,
        "barometer/results/contacts.html",
        {
            "campaign": campaign,
            "leads": [c for c in queryset if c.wants_to_join],
            "report_requests": sum(1 for c in queryset if c.wants_report),
            "report_pending": sum(1 for c in queryset if c.wants_report and c.report_sent_at is None),
            "published_report": PublishedReport.objects.filter(campaign=campaign)
            .only("generated_at")
            .first(),
            "publics": dict(Public.choices),
        },
    )


@staff_required
@require_POST
def contacts_invite(request, year: int):
    campaign = get_campaign_or_404(year)
    contact_id = request.POST.get("contact")
    if contact_id:
        contact = get_object_or_404(Contact, pk=contact_id, campaign=campaign)
        if follow_ups.contact_invite_to_join(contact=contact, by=request.user):
            messages.success(
                request, _("L'invitation à s'inscrire est envoyée à %(e)s.") % {"e": contact.email}
            )
        else:
            messages.info(request, _("%(e)s a déjà reçu l'invitation.") % {"e": contact.email})
    else:
        count = follow_ups.contacts_invite_all_to_join(campaign=campaign, by=request.user)
        messages.success(
            request,
            ngettext(
                "%(n)s invitation à s'inscrire envoyée.", "%(n)s invitations à s'inscrire envoyées.", count
            )
            % {"n": count},
        )
    return redirect("barometer:staff_contacts", year=year)


@staff_required
@require_POST
def contacts_send_report(request, year: int):
    campaign = get_campaign_or_404(year)
    try:
        count = follow_ups.contacts_send_report(campaign=campaign, by=request.user)
    except follow_ups.NotPublished:
        messages.error(request, _("Publiez d'abord les résultats de la campagne."))
    else:
        messages.success(
            request,
            ngettext(
                "Le lien du rapport est envoyé à %(n)s personne.",
                "Le lien du rapport est envoyé à %(n)s personnes.",
                count,
            )
            % {"n": count},
        )
    return redirect("barometer:staff_contacts", year=year)


# --- Public -------------------------------------------------------------------------------------


def _cached_body(request, campaign, name: str, build) -> str:
    """The page's results block, rendered once per state of its data (see results_cache)."""
    key = results_cache.key(
        name=name,
        campaign_id=campaign.pk,
        fingerprint=selectors.results_fingerprint(campaign),
        query=request.GET,
    )
    body = results_cache.get(key)
    if body is None:
        body = build()
        results_cache.put(key, body)
    return body


@require_GET
def public_results(request, year: int):
    campaign = get_campaign_or_404(year)
    if not can_see_public_results(campaign):
        raise Http404

    def build() -> str:
        participation = results.participation(campaign, public=True)
        context = _filtered_context(request, campaign, public=True)
        filters = context["filters"]
        # Each public's results load on demand (public_results_section): the page stays light.
        sections = [{"questionnaire": p.questionnaire, "participation": p} for p in participation]
        return render_to_string(
            "barometer/results/_public_body.html",
            {
                **context,
                "campaign": campaign,
                "participation": participation,
                "total": sum(p.submitted or 0 for p in participation),
                "cross_tabs": []
                if filters.public
                else results.cross_tabs(campaign, public=True, subgroup=filters.subgroup),
                "sections": sections,
                "section_query": urlencode(filters.subgroup),
                "quotes": list(selectors.featured_quotes(campaign)[:12]),
                "has_report": PublishedReport.objects.filter(campaign=campaign).exists(),
                "min_cell": results.MIN_CELL,
                "public": True,
            },
        )

    body = _cached_body(request, campaign, "public_results", build)
    return render(request, "barometer/results/public.html", {"campaign": campaign, "body": body})


@require_GET
def public_results_section(request, year: int, public: str):
    """One public's results: a fragment for the results page (htmx), or a page of its own.

    ?territoire=… or ?profil=… (one of them) keeps one group of its respondents."""
    campaign = get_campaign_or_404(year)
    if not can_see_public_results(campaign) or public not in Public.values:
        raise Http404
    questionnaire = get_object_or_404(campaign.questionnaires.select_related("campaign"), public=public)
    nested = bool(request.htmx)  # inside the results page: headings one level down

    def build() -> str:
        if any(request.GET.get(dim) for dim in results.DIMENSIONS):
            options = results.filter_options(campaign)
            filters, notes = results.parse_filters(
                {**request.GET.dict(), "public": public, "croiser": "", "par": ""}, options, public=True
            )
        else:  # the whole public (the usual case): no filter to validate
            options, filters, notes = None, results.Filters(public=public), []
        filtered = _filtered_public(questionnaire, filters.subgroup, public=True)
        context = {
            "campaign": campaign,
            "questionnaire": questionnaire,
            "groups": filtered["groups"],
            "filtered": filtered,
            "filters": filters,
            "filter_notes": notes,
            "filter_options": options,
            "filter_summary": _summary(filters, options) if options else "",
            "dimension_labels": {dim: results.dimension_label(dim) for dim in results.DIMENSIONS},
            "previous": None if filters.subgroup else results.previous_questionnaire(questionnaire),
            "submitted": filtered["submitted"],
            "min_cell": results.MIN_CELL,
            "public": True,
            "nested": nested,
        }
        template = "partials/_public_section.html" if nested else "_public_section_page.html"
        return render_to_string(f"barometer/results/{template}", context)

    body = _cached_body(request, campaign, f"public_section:{public}:{int(nested)}", build)
    if request.htmx:
        response = HttpResponse(body)
    else:
        response = render(
            request,
            "barometer/results/public_section.html",
            {"campaign": campaign, "questionnaire": questionnaire, "body": body},
        )
    patch_vary_headers(response, ("HX-Request",))  # one URL, two bodies: caches must tell them apart
    return response


@require_GET
def public_report(request, year: int):
    campaign = get_campaign_or_404(year)
    report = PublishedReport.objects.filter(campaign=campaign).first()
    if report is None or not can_see_public_results(campaign):
        raise Http404
    response = HttpResponse(bytes(report.content), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="barometre-{campaign.year}.pdf"'
    return response
