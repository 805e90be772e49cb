from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from barometer.enums import CampaignStatus, ResponseStatus
from barometer.models import Campaign, Contact, Response
from barometer.permissions import can_manage_campaigns
from cops.figures import Figure, StaffLink, StaffSection


def home_figures() -> list[Figure]:
    responses = Response.objects.filter(status=ResponseStatus.SUBMITTED).count()
    joiners = Contact.objects.filter(wants_to_join=True).count()
    url = reverse("barometer:landing")
    return [
        Figure(value=responses, label=_("réponses au baromètre régional"), url=url),
        Figure(value=joiners, label=_("répondants souhaitant rejoindre la dynamique régionale"), url=url),
    ]


def staff_sections(user) -> list[StaffSection]:
    if not can_manage_campaigns(user):
        return []
    campaigns = Campaign.objects.annotate(
        submitted=Count(
            "questionnaires__responses", filter=Q(questionnaires__responses__status=ResponseStatus.SUBMITTED)
        ),
    ).order_by("-year")[:3]
    links = [
        StaffLink(_("Toutes les campagnes et une nouvelle édition"), reverse("barometer:staff_campaigns"))
    ]
    for campaign in campaigns:
        label = _("%(title)s (%(status)s) : réponses") % {
            "title": campaign.title,
            "status": campaign.get_status_display().lower(),
        }
        links.append(StaffLink(label, campaign.get_absolute_url(), campaign.submitted))
        if campaign.status in {CampaignStatus.OPEN, CampaignStatus.CLOSED}:
            invited = campaign.invitations.count()
            if invited:
                responded = campaign.invitations.filter(has_responded=True).count()
                links.append(
                    StaffLink(
                        _("%(year)s : taux de réponse des invités %(rate)s %% (%(r)s sur %(n)s)")
                        % {
                            "year": campaign.year,
                            "rate": round(100 * responded / invited),
                            "r": responded,
                            "n": invited,
                        },
                        reverse("barometer:staff_results", kwargs={"year": campaign.year}),
                    )
                )
    leads = Contact.objects.filter(wants_to_join=True, join_invited_at__isnull=True).count()
    if leads:
        latest = (
            Contact.objects.filter(wants_to_join=True, join_invited_at__isnull=True)
            .order_by("-campaign__year")
            .first()
        )
        links.append(
            StaffLink(
                _("Répondants à inviter dans la dynamique régionale"),
                reverse("barometer:staff_contacts", kwargs={"year": latest.campaign.year}),
                leads,
            )
        )
    return [
        StaffSection(
            title=_("Baromètre régional"),
            description=_("Campagnes annuelles, invitations et relances, résultats et rapport."),
            links=links,
        )
    ]
