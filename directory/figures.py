"""The directory's live figures (home page), its staff work (moderation, orphan membership
requests, abuse reports) and its staff section."""

from django.db.models import Exists, OuterRef
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _

from actors.enums import ActorKind, MembershipStatus
from actors.models import Membership, Person, Structure
from actors.permissions import is_cops_staff
from cops.figures import Figure, StaffLink, StaffSection, WorkItem
from directory.facets import VERSION_NAME, current_version
from directory.selectors.contact import oldest_open_abuse_report, open_abuse_reports_count, recipient_title
from directory.selectors.listing import directory_counts
from directory.selectors.profiles import moderation_queue_count, moderation_queue_filter

# The counts of the home page, per directory version (directory.facets): a GROUP BY over the index
# costs tens of milliseconds at full scale, and the index changes far less often than the home is read.
_counts_by_version: dict[str, dict] = {}
# For cops.figures' cache of the home figures: these counts change with the index version only
# (its rows are written in SQL, without model signals), never with a directory model's save.
HOME_FIGURES_MODELS = ()
HOME_FIGURES_VERSION_NAMES = (VERSION_NAME,)


def home_figures() -> list[Figure]:
    version = current_version()
    counts = _counts_by_version.get(version) if version else None
    if counts is None:
        counts = directory_counts()
        if version:  # no version yet: nothing tells when the counts change, so nothing is kept
            _counts_by_version.clear()
            _counts_by_version[version] = counts
    persons, structures = counts.get(ActorKind.PERSON, 0), counts.get(ActorKind.STRUCTURE, 0)
    return [
        Figure(
            value=persons + structures,
            label=_("acteurs engagés dans l'annuaire"),
            url=reverse("directory:list"),
        ),
        Figure(
            value=structures,
            label=_("structures dans l'annuaire"),
            url=reverse("directory:list") + "?type=structure",
        ),
    ]


def staff_sections(user) -> list[StaffSection]:
    if not is_cops_staff(user):
        return []
    return [
        StaffSection(
            title=_("Annuaire"),
            description=_("Modération des fiches, doublons, exports et listes de référence."),
            links=[
                StaffLink(
                    _("File de modération"), reverse("directory:moderation_queue"), moderation_queue_count()
                ),
                StaffLink(_("Demandes d'adhésion sans référent"), reverse("directory:membership_requests")),
                StaffLink(_("Exporter l'annuaire (Excel)"), reverse("directory:export", args=["xlsx"])),
                StaffLink(_("Exporter l'annuaire (CSV)"), reverse("directory:export", args=["csv"])),
                # The admin site opens for admins only (`is_staff`): other staff would be refused.
                *(
                    [
                        StaffLink(
                            _("Listes de référence (administration)"),
                            reverse("admin:app_list", args=["actors"]),
                        )
                    ]
                    if user.is_staff
                    else []
                ),
            ],
        )
    ]


def staff_work(user) -> list[WorkItem]:
    if not is_cops_staff(user):
        return []
    return [_moderation_work(), _membership_work(), _abuse_work()]


def _oldest_profile():
    """The submission waiting longest, persons and structures together (a new profile waits
    since it was submitted, an edit of a published one since the edit was)."""
    waiting_since = Coalesce("revision_submitted_at", "submitted_at", "updated_at")
    candidates = [
        model.objects.filter(moderation_queue_filter())
        .annotate(since=waiting_since)
        .order_by("since", "pk")
        .first()
        for model in (Person, Structure)
    ]
    candidates = [profile for profile in candidates if profile is not None]
    return min(candidates, key=lambda profile: profile.since) if candidates else None


def _moderation_work() -> WorkItem:
    oldest = _oldest_profile()
    return WorkItem(
        label=_("Fiches à modérer"),
        count=moderation_queue_count(),
        url=reverse("directory:moderation_queue"),
        position=10,
        oldest_since=oldest.since if oldest else None,
        oldest_name=str(oldest) if oldest else "",
        oldest_url=reverse(
            "directory:moderation_review",
            args=["personne" if isinstance(oldest, Person) else "structure", oldest.pk],
        )
        if oldest
        else "",
    )


def _membership_work() -> WorkItem:
    """Requests to join a structure nobody can answer for (no référent, no registrant): the staff
    decide them (directory/views/memberships.py)."""
    referents = Membership.objects.filter(
        structure=OuterRef("structure"), is_referent=True, status=MembershipStatus.ACCEPTED
    )
    orphans = Membership.objects.filter(
        status=MembershipStatus.REQUESTED, structure__created_by__isnull=True
    ).filter(~Exists(referents))
    oldest = orphans.select_related("person", "structure").order_by("requested_at", "pk").first()
    return WorkItem(
        label=_("Demandes d'adhésion sans référent"),
        count=orphans.count(),
        url=reverse("directory:membership_requests"),
        position=20,
        oldest_since=oldest.requested_at if oldest else None,
        oldest_name=f"{oldest.person} → {oldest.structure}" if oldest else "",
    )


def _abuse_work() -> WorkItem:
    """Open reports of abuse on relayed messages: reported, not handled yet."""
    oldest = oldest_open_abuse_report()
    return WorkItem(
        label=_("Signalements d'abus sur les messages relayés"),
        count=open_abuse_reports_count(),
        url=reverse("directory:abuse_reports"),
        position=70,
        oldest_since=oldest.abuse_reported_at if oldest else None,
        oldest_name=(_("message à %(recipient)s") % {"recipient": recipient_title(oldest)}) if oldest else "",
    )
