"""Results: staff dashboards, free texts, exports, report, follow-ups; and the public results."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from actors.permissions import staff_required
from barometer import exports, results, selectors
from barometer.enums import Public, TextTag
from barometer.forms import TagForm
from barometer.models import Answer, Contact, PublishedReport, Questionnaire
from barometer.permissions import can_see_public_results, get_campaign_or_404
from barometer.services import answering as answering_services
from barometer.services import follow_ups
from barometer.services.reports import report_publish_request
from cops.reports import report_request


@staff_required
@require_GET
def campaign_results(request, year: int):
    campaign = get_campaign_or_404(year)
    participation = results.participation(campaign)
    return render(
        request,
        "barometer/results/campaign.html",
        {
            "campaign": campaign,
            "participation": participation,
            "participation_chart": results.participation_chart(participation),
            "per_day": results.responses_per_day(campaign),
            "total": sum(p.submitted for p in participation),
            "cross_tabs": results.cross_tabs(campaign),
            "public": False,
            "min_cell": results.MIN_CELL,
        },
    )


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


@require_GET
def public_results(request, year: int):
    campaign = get_campaign_or_404(year)
    if not can_see_public_results(campaign):
        raise Http404
    participation = results.participation(campaign, public=True)
    # Each public's results load on demand (public_results_section): the page stays light.
    sections = [{"questionnaire": p.questionnaire, "participation": p} for p in participation]
    return render(
        request,
        "barometer/results/public.html",
        {
            "campaign": campaign,
            "participation": participation,
            "total": sum(p.submitted or 0 for p in participation),
            "cross_tabs": results.cross_tabs(campaign, public=True),
            "sections": sections,
            "quotes": list(selectors.featured_quotes(campaign)[:12]),
            "has_report": PublishedReport.objects.filter(campaign=campaign).exists(),
            "min_cell": results.MIN_CELL,
            "public": True,
        },
    )


@require_GET
def public_results_section(request, year: int, public: str):
    """One public's results: a fragment for the results page (htmx), or a page of its own."""
    campaign = get_campaign_or_404(year)
    if not can_see_public_results(campaign) or public not in Public.values:
        raise Http404
    questionnaire = get_object_or_404(campaign.questionnaires.select_related("campaign"), public=public)
    found = results.questionnaire_results(questionnaire, public=True)
    submitted = questionnaire.responses.filter(status="submitted").count()
    context = {
        "campaign": campaign,
        "questionnaire": questionnaire,
        "groups": results.by_section(found),
        "previous": results.previous_questionnaire(questionnaire),
        "submitted": submitted if submitted >= results.MIN_CELL else None,
        "min_cell": results.MIN_CELL,
        "public": True,
        "nested": bool(request.htmx),  # inside the results page: headings one level down
    }
    template = "partials/_public_section.html" if request.htmx else "public_section.html"
    response = render(request, f"barometer/results/{template}", context)
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
