"""The directory's live figures (home page) and its staff section (moderation queue)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from actors.enums import ActorKind
from actors.permissions import is_cops_staff
from cops.figures import Figure, StaffLink, StaffSection
from directory.selectors.listing import directory_counts
from directory.selectors.profiles import moderation_queue_count


def home_figures() -> list[Figure]:
    counts = directory_counts()
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
                StaffLink(
                    _("Listes de référence (administration)"), reverse("admin:app_list", args=["actors"])
                ),
            ],
        )
    ]
