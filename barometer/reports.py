"""The campaign's PDF report, built by a worker through the shared report jobs."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from barometer import results, selectors
from barometer.models import Campaign
from barometer.permissions import can_manage_campaigns
from cops.pdf import render_pdf
from cops.reports import ReportError, ReportFile, register_report

QUOTES_PER_QUESTIONNAIRE = 6
# The barometer's headline questions (DOMAIN.md §4) get a chart; the other figures are tables,
# which WeasyPrint lays out many times faster than SVG (the report must build in seconds).
HEADLINE_CODES = {
    "engagement_niveau",
    "pratiques_actuelles",
    "projets_a_venir",
    "freins",
    "leviers",
    "impact_qualite",
    "impact_experience",
    "besoins",
}


def build_pdf(campaign: Campaign) -> bytes:
    """Every figure in the report follows the public small-numbers rule: it is meant to be shared."""
    questionnaires = []
    quotes = list(selectors.featured_quotes(campaign))
    participation = results.participation(campaign, public=True)
    cross_tabs = results.cross_tabs(campaign, public=True, compact=False)
    for row in participation:
        questionnaire = row.questionnaire
        questionnaires.append(
            {
                "questionnaire": questionnaire,
                "participation": row,
                "results": results.questionnaire_results(questionnaire, public=True),
                "previous": results.previous_questionnaire(questionnaire),
                "quotes": [q for q in quotes if q.response.questionnaire_id == questionnaire.pk][
                    :QUOTES_PER_QUESTIONNAIRE
                ],
            }
        )
    return render_pdf(
        "barometer/pdf/campaign.html",
        {
            "campaign": campaign,
            "participation": participation,
            "participation_chart": results.participation_chart(participation, compact=False),
            "total": sum(p.submitted or 0 for p in participation),
            "headline_tabs": [tab for tab in cross_tabs if tab.code in HEADLINE_CODES],
            "other_tabs": [tab for tab in cross_tabs if tab.code not in HEADLINE_CODES],
            "questionnaires": questionnaires,
            "generated_at": timezone.now(),
            "min_cell": results.MIN_CELL,
            "public": True,  # the shared templates then show no raw counts
        },
    )


@register_report(
    "barometer.campaign",
    title=lambda params: _("Baromètre %(year)s : rapport des résultats") % {"year": params.get("year")},
    can_request=lambda user, params: can_manage_campaigns(user),
)
def build(params: dict) -> ReportFile:
    campaign = Campaign.objects.filter(year=params.get("year")).first()
    if campaign is None:
        raise ReportError(gettext_lazy("Cette campagne n'existe pas."))
    return ReportFile(filename=f"barometre-{campaign.year}.pdf", content=build_pdf(campaign))
