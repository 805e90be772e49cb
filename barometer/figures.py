from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from barometer.enums import ROUND_LABELS, CampaignStatus, DeliveryStatus, ResponseStatus
from barometer.models import Campaign, Contact, Delivery, Response, SendingRound
from barometer.permissions import can_manage_campaigns
from cops.figures import Figure, StaffLink, StaffSection, WorkItem

# What the home figures count (cops.figures keeps them until one of these changes): not the
# answers, invitations or deliveries written by the thousand while a campaign runs.
HOME_FIGURES_MODELS = ("barometer.Response", "barometer.Contact")


def home_figures_counts(instance) -> bool:
    """A response counts once submitted: saving a draft (the consent of each respondent) changes
    no figure. Its deletion always may (the receiver of deletes does not ask)."""
    return not isinstance(instance, Response) or instance.status == ResponseStatus.SUBMITTED


def home_figures() -> list[Figure]:
    # The yearly editions only: events' satisfaction questionnaires are not the regional barometer.
    responses = Response.objects.filter(
        status=ResponseStatus.SUBMITTED, questionnaire__campaign__event__isnull=True
    ).count()
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


def staff_work(user) -> list[WorkItem]:
    if not can_manage_campaigns(user):
        return []
    # A round of an open campaign whose date has passed and that has failed emails, or that
    # reached nobody (no delivery at all: everyone had answered or unsubscribed, or nobody was
    # invited). Closed campaigns are left out: their past editions were sent outside the platform.
    deliveries = Delivery.objects.filter(
        invitation__campaign_id=OuterRef("campaign_id"), round=OuterRef("number")
    )
    rounds = (
        SendingRound.objects.filter(
            scheduled_at__lte=timezone.now(),
            campaign__status=CampaignStatus.OPEN,
            campaign__event__isnull=True,  # an event's questionnaire is followed from its own page
        )
        .annotate(
            failed=Exists(deliveries.filter(status=DeliveryStatus.FAILED)),
            reached=Exists(deliveries),
        )
        .filter(Q(failed=True) | Q(reached=False))
    )
    oldest = rounds.select_related("campaign").order_by("scheduled_at", "pk").first()
    # Emails a dead worker may have handed to the server: never resent on their own; the staff
    # decide, one by one, on the campaign page.
    uncertain = Delivery.objects.filter(
        status=DeliveryStatus.UNCERTAIN, invitation__campaign__status=CampaignStatus.OPEN
    )
    oldest_uncertain = uncertain.select_related("invitation__campaign").order_by("sent_at", "pk").first()
    return [
        WorkItem(
            label=_("Envois du baromètre incertains, à vérifier"),
            count=uncertain.count(),
            url=reverse("barometer:staff_campaigns"),
            position=61,
            oldest_since=oldest_uncertain.sent_at if oldest_uncertain else None,
            oldest_name=f"{oldest_uncertain.invitation.campaign.title} · {ROUND_LABELS[oldest_uncertain.round]}"
            if oldest_uncertain
            else "",
            oldest_url=f"{oldest_uncertain.invitation.campaign.get_absolute_url()}#incertains"
            if oldest_uncertain
            else "",
        ),
        WorkItem(
            label=_("Envois du baromètre en échec ou sans destinataire"),
            count=rounds.count(),
            url=reverse("barometer:staff_campaigns"),
            position=60,
            oldest_since=oldest.scheduled_at if oldest else None,
            oldest_name=f"{oldest.campaign.title} · {ROUND_LABELS[oldest.number]}" if oldest else "",
            oldest_url=oldest.campaign.get_absolute_url() if oldest else "",
        ),
    ]
