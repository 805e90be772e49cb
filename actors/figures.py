from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from actors.charter_enums import EventKind, MeetingStatus
from actors.charter_permissions import can_manage_charter, can_manage_committees
from actors.models import Meeting, User
from actors.newsletter.news import latest_news
from actors.selectors.charter import charter_versions_published_cached, signatory_counts
from actors.selectors.committees import committee_meetings, meeting_year_counts, upcoming_meetings_count
from actors.signals import CHARTER_VERSION_NAME, charter_data_version
from cops.figures import Figure, HomeBlock, StaffLink, StaffSection, WorkItem

# What the home figures are counted from (cops.figures keeps them until one of these changes, or the
# charter's data token moves): not the newsletter's deliveries nor the rest of the app's tables.
HOME_FIGURES_MODELS = (
    "actors.User",
    "actors.Signature",
    "actors.CharterVersion",
    "actors.Committee",
    "actors.Meeting",
    "actors.MeetingParticipant",
)
HOME_FIGURES_VERSION_NAMES = (CHARTER_VERSION_NAME,)


def home_figures() -> list[Figure]:
    partners = User.objects.filter(is_active=True, email_verified_at__isnull=False).count()
    return (
        [Figure(value=partners, label=_("partenaires inscrits sur la plateforme"))]
        + charter_figures()
        + event_figures()
    )


def staff_sections(user) -> list[StaffSection]:
    return charter_staff_sections(user) + news_staff_sections(user)


def staff_work(user) -> list[WorkItem]:
    if not can_manage_committees(user):
        return []
    # Held meetings whose minutes are still to write or to approve (cancelled ones have none).
    without_minutes = (
        committee_meetings()
        .filter(ends_at__lt=timezone.now())
        .exclude(status=MeetingStatus.CANCELLED)
        .filter(Q(minutes="") | Q(minutes_approved_at__isnull=True))
    )
    oldest = without_minutes.select_related("committee").order_by("starts_at", "pk").first()
    return [
        WorkItem(
            label=_("Réunions sans compte rendu approuvé"),
            count=without_minutes.count(),
            url=reverse("charter:committees_manage"),
            position=40,
            oldest_since=oldest.ends_at if oldest else None,
            oldest_name=f"{oldest.title} ({oldest.committee})" if oldest else "",
            oldest_url=reverse("charter:meeting_detail", args=[oldest.pk]) if oldest else "",
        )
    ]


# --- Charter and committees --------------------------------------------------------------------


def charter_figures() -> list[Figure]:
    figures = []
    # The current version and its standing signatures, kept per version of the charter's data
    # (actors.selectors.charter.remembered): one query for both.
    token = charter_data_version()
    versions = charter_versions_published_cached(token=token)
    version = versions[0] if versions else None
    if version is not None:
        figures.append(
            Figure(
                value=signatory_counts(version, token=token).total,
                label=_("signataires de la charte %(year)s") % {"year": version.year},
                url=reverse("charter:signatories"),
            )
        )
    year = timezone.localdate().year
    figures.append(
        Figure(
            value=meeting_year_counts(year).meetings,
            label=_("réunions des instances en %(year)s") % {"year": year},
        )
    )
    return figures


def charter_staff_sections(user) -> list[StaffSection]:
    sections = []
    if can_manage_charter(user):
        sections.append(
            StaffSection(
                title=_("Charte d'engagement"),
                description=_(
                    "Versions, publication et renouvellement, signataires et leurs exports, rapport annuel."
                ),
                links=[
                    StaffLink(_("Gérer la charte"), reverse("charter:manage")),
                    StaffLink(_("Signataires"), reverse("charter:signatories")),
                    StaffLink(_("Statistiques"), reverse("charter:statistics")),
                ],
            )
        )
    if can_manage_committees(user):
        sections.append(
            StaffSection(
                title=_("Instances et réunions"),
                description=_(
                    "CoPart, CoPil et ses binômes, CoTec, groupes de travail : mandats, réunions, présences."
                ),
                links=[
                    StaffLink(_("Instances et mandats"), reverse("charter:committees_manage")),
                    StaffLink(
                        _("Réunions à venir"),
                        reverse("charter:committees_manage"),
                        upcoming_meetings_count(),
                    ),
                    StaffLink(_("Composition publique du CoPil"), reverse("charter:copil")),
                ],
            )
        )
    return sections


# --- Events (E3 evattend) ------------------------------------------------------------------------


def event_figures() -> list[Figure]:
    """« N événements et N participants en <year> »: the year's events held (over or marked held,
    not cancelled; committee meetings excluded) and the people checked in at them — only those whose
    arrival was recorded, never the registered who may not have come. One query."""
    year = timezone.localdate().year
    counts = (
        Meeting.objects.exclude(kind=EventKind.COMMITTEE)
        .exclude(status=MeetingStatus.CANCELLED)
        .filter(Q(status=MeetingStatus.HELD) | Q(ends_at__lte=timezone.now()), starts_at__year=year)
        .aggregate(
            events=Count("pk", distinct=True),
            participants=Count(
                "participants", filter=Q(participants__checked_in_at__isnull=False), distinct=True
            ),
        )
    )
    return [
        Figure(value=counts["events"], label=_("événements en %(year)s") % {"year": year}),
        Figure(
            value=counts["participants"],
            label=_("participants aux événements en %(year)s") % {"year": year},
            url=reverse("events:past"),
        ),
    ]


# --- News (« Actualités ») -------------------------------------------------------------------------


def home_blocks() -> list[HomeBlock]:
    """The latest three published news items on the home page (nothing when there is none)."""
    return [HomeBlock(template="news/partials/_home.html", items=latest_news(), position=10)]


def news_staff_sections(user) -> list[StaffSection]:
    if not user.is_cops_staff:
        return []
    return [
        StaffSection(
            title=_("Actualités"),
            description=_(
                "Écrire, publier et retirer les actualités du site (accueil, page Actualités, flux RSS)."
            ),
            links=[
                StaffLink(_("Gérer les actualités"), reverse("news:staff_list")),
                StaffLink(_("Écrire une actualité"), reverse("news:staff_create")),
            ],
        ),
        StaffSection(
            title=_("La lettre du COPS"),
            description=_(
                "Composer un numéro à partir des actualités, des événements, des projets et des ressources, "
                "le relire, s'envoyer un essai, puis l'envoyer aux abonnés."
            ),
            links=[
                StaffLink(_("Les numéros de la lettre"), reverse("newsletter:staff_list")),
                StaffLink(_("Composer un numéro"), reverse("newsletter:staff_create")),
            ],
        ),
    ]
