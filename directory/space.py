"""The directory's part of Mon espace: the person's profile, their structures, the requests to
join those, the yearly « still accurate? » check and who may write to them (cops/space.py)."""

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Count, IntegerField, Min, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actors.enums import ContactPolicy, MembershipStatus, ModerationStatus, RevisionStatus
from actors.models import Membership, Person, Structure
from cops.space import (
    Answer,
    Badge,
    SpaceItem,
    SpaceLink,
    SpaceSection,
    Waiting,
    format_day,
    optional_url,
    remembered_for_page,
)
from directory.selectors.profiles import pending_memberships_for_referent, structures_editable_by
from directory.selectors.projects import invitations_for_user, inviter_names, projects_of_user

# What the hooks below read (cops/space.py keeps their result per version of these tables).
SPACE_MODELS = (
    "actors.Person",
    "actors.Person_profiles",
    "actors.ActorProfile",
    "actors.Structure",
    "actors.StructureType",
    "actors.Membership",
    "actors.Commune",
    "directory.Project",
    "directory.ProjectPerson",
)

STATUS_TONES = {
    ModerationStatus.DRAFT: "neutral",
    ModerationStatus.PENDING: "pending",
    ModerationStatus.PUBLISHED: "ok",
    ModerationStatus.REJECTED: "error",
    ModerationStatus.ARCHIVED: "neutral",
}


def _person(user) -> Person | None:
    """The person's profile, with the sides of its actor profiles (its default contact policy) in
    the same query."""
    return remembered_for_page(
        ("directory.person", user.pk),
        lambda: Person.objects.filter(user=user)
        .annotate(profile_sides=ArrayAgg("profiles__side", distinct=True, default=Value([])))
        .first(),
    )


def _structures(user) -> list[Structure]:
    return remembered_for_page(("directory.structures", user.pk), lambda: _structures_of(user))


def _structures_of(user) -> list[Structure]:
    members = (
        Membership.objects.filter(structure=OuterRef("pk"), status=MembershipStatus.ACCEPTED)
        .order_by()
        .values("structure")
        .annotate(n=Count("pk"))
        .values("n")
    )
    requests = (
        Membership.objects.filter(structure=OuterRef("pk"), status=MembershipStatus.REQUESTED)
        .order_by()
        .values("structure")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return list(
        structures_editable_by(user).annotate(
            member_count=Coalesce(Subquery(members, output_field=IntegerField()), 0),
            request_count=Coalesce(Subquery(requests, output_field=IntegerField()), 0),
        )
    )


def _asked_to_confirm(profile) -> bool:
    """The COPS sent the yearly reminder and the profile was not confirmed since."""
    sent = profile.accuracy_reminder_sent_at
    confirmed = profile.accuracy_confirmed_at
    return sent is not None and (confirmed is None or confirmed < sent)


def _status_badges(profile) -> list[Badge]:
    badges = [Badge(profile.get_status_display(), STATUS_TONES.get(profile.status, "neutral"))]
    if profile.revision_status == RevisionStatus.PENDING:
        badges.append(Badge(_("Modification en attente de modération"), "pending"))
    elif profile.revision_status == RevisionStatus.DRAFT:
        badges.append(Badge(_("Modification en cours"), "neutral"))
    return badges


def _confirmation_detail(profile) -> str:
    confirmed = profile.accuracy_confirmed_at or profile.published_at
    if confirmed is None:
        return ""
    return _("Dernière confirmation : %(day)s") % {"day": format_day(confirmed)}


# --- What waits ----------------------------------------------------------------------------------


def space_waiting(user) -> list[Waiting]:
    waiting = []
    pending = pending_memberships_for_referent(user).aggregate(count=Count("pk"), oldest=Min("requested_at"))
    if pending["count"]:
        waiting.append(
            Waiting(
                title=_("Demandes pour rejoindre vos structures : %(count)s") % {"count": pending["count"]},
                detail=_("En tant que référent, acceptez ou refusez chaque demande."),
                url=reverse("directory:membership_requests"),
                action=_("Décider"),
                due=pending["oldest"],
            )
        )
    invitations = list(invitations_for_user(user))
    names = inviter_names(invitation.invited_by for invitation in invitations)
    for invitation in invitations:
        waiting.append(
            Waiting(
                title=_("%(name)s vous propose d'apparaître sur le projet « %(project)s »")
                % {
                    "name": names.get(invitation.invited_by_id, _("Un partenaire")),
                    "project": invitation.project.title,
                },
                detail=_("Vous n'apparaîtrez sur ce projet que si vous acceptez."),
                url=reverse("directory:project_participation", args=[invitation.project.slug]),
                action=_("Accepter ou refuser"),
                due=invitation.invited_at,
                answer_url=reverse("directory:project_participation", args=[invitation.project.slug]),
                answer_field="answer",
                answers=[Answer(_("J'accepte"), "accept"), Answer(_("Je refuse"), "decline")],
            )
        )
    profiles = [profile for profile in [_person(user), *_structures(user)] if profile is not None]
    for profile in profiles:
        if _asked_to_confirm(profile) and profile.status != ModerationStatus.ARCHIVED:
            waiting.append(
                Waiting(
                    title=_("Confirmer que la fiche « %(name)s » est toujours exacte") % {"name": profile},
                    detail=_("Le COPS vous l'a demandé le %(day)s.")
                    % {"day": format_day(profile.accuracy_reminder_sent_at)},
                    url=reverse("directory:my_profiles"),
                    action=_("Vérifier mes fiches"),
                    due=profile.accuracy_reminder_sent_at,
                )
            )
    return waiting


# --- Sections ------------------------------------------------------------------------------------


def space_sections(user) -> list[SpaceSection]:
    person, structures = _person(user), _structures(user)
    return [
        _profiles_section(person),
        _structures_section(structures, person),
        _projects_section(user, person, structures),
        _preferences_section(structures, person),
    ]


def _profiles_section(person: Person | None) -> SpaceSection:
    items = []
    if person is not None:
        links = []
        if person.status != ModerationStatus.ARCHIVED:
            links.append(
                SpaceLink(_("Modifier ma fiche"), reverse("directory:register_person", args=["identite"]))
            )
            links.append(SpaceLink(_("Voir ma fiche"), reverse("directory:person_detail", args=[person.pk])))
        links.append(SpaceLink(_("Gérer mes fiches"), reverse("directory:my_profiles")))
        items.append(
            SpaceItem(
                title=str(person),
                detail=_confirmation_detail(person),
                badges=_status_badges(person),
                links=links,
            )
        )
    return SpaceSection(
        key="fiches",
        title=_("Mes fiches"),
        position=10,
        items=items,
        empty_text=_("Vous n'avez pas encore de fiche dans l'annuaire."),
        empty_action=SpaceLink(_("Rejoindre l'annuaire"), reverse("directory:register")),
    )


def _structures_section(structures: list[Structure], person: Person | None) -> SpaceSection:
    items = []
    for structure in structures:
        detail = _("%(count)s membre(s)") % {"count": structure.member_count}
        badges = _status_badges(structure)
        if structure.request_count:
            badges.append(
                Badge(_("%(count)s demande(s) en attente") % {"count": structure.request_count}, "warning")
            )
        items.append(
            SpaceItem(
                title=structure.name,
                detail=detail,
                badges=badges,
                links=[
                    SpaceLink(
                        _("Modifier la fiche"),
                        reverse("directory:register_structure", args=[structure.pk, "identite"]),
                    ),
                    SpaceLink(_("Voir"), reverse("directory:structure_detail", args=[structure.pk])),
                ],
            )
        )
    edited = {structure.pk for structure in structures}
    memberships = []
    if person is not None:
        memberships = list(
            Membership.objects.filter(person=person)
            .exclude(structure_id__in=edited)
            .select_related("structure")
            .order_by("structure__name")
        )
    for membership in memberships:
        tone = {MembershipStatus.ACCEPTED: "ok", MembershipStatus.REFUSED: "error"}.get(
            membership.status, "pending"
        )
        published = membership.structure.status == ModerationStatus.PUBLISHED
        items.append(
            SpaceItem(
                title=membership.structure.name,
                url=reverse("directory:structure_detail", args=[membership.structure_id])
                if published
                else "",
                detail=membership.function,
                badges=[Badge(membership.get_status_display(), tone)],
            )
        )
    links = []
    if any(structure.request_count for structure in structures):
        links.append(SpaceLink(_("Demandes d'adhésion à décider"), reverse("directory:membership_requests")))
    links.append(SpaceLink(_("Inscrire une structure"), reverse("directory:register_structure_new")))
    return SpaceSection(
        key="structures",
        title=_("Mes structures"),
        position=20,
        items=items,
        applies=bool(items),
        links=links,
    )


def _projects_section(user, person: Person | None, structures: list[Structure]) -> SpaceSection:
    items = []
    for project in projects_of_user(user):
        links = [SpaceLink(_("Voir"), reverse("directory:project_detail", args=[project.slug]))]
        if project.status != ModerationStatus.ARCHIVED:
            links.insert(0, SpaceLink(_("Modifier"), reverse("directory:project_edit", args=[project.slug])))
        items.append(
            SpaceItem(
                title=project.title,
                detail=_("Porté par %(name)s") % {"name": project.main_structure.name},
                badges=[Badge(project.get_state_display(), "neutral"), *_status_badges(project)],
                links=links,
            )
        )
    # directory.permissions.can_propose_project, from what the page already read when it can.
    can_propose = (
        user.is_cops_staff
        or bool(structures)
        or (
            person is not None
            and Membership.objects.filter(person=person, status=MembershipStatus.ACCEPTED).exists()
        )
    )
    return SpaceSection(
        key="projets",
        title=_("Mes projets"),
        position=25,
        items=items,
        applies=bool(items) or can_propose,
        empty_text=_("Vous n'avez pas encore proposé de projet."),
        empty_action=SpaceLink(_("Proposer un projet"), reverse("directory:project_create"))
        if can_propose
        else None,
        links=[SpaceLink(_("Proposer un projet"), reverse("directory:project_create"))]
        if items and can_propose
        else [],
    )


STRUCTURE_POLICY_LABELS = {
    ContactPolicy.EVERYONE: gettext_lazy("tout le monde peut écrire à ses référents par la plateforme"),
    ContactPolicy.PARTNERS: gettext_lazy("seuls les partenaires connectés peuvent écrire à ses référents"),
    ContactPolicy.NOBODY: gettext_lazy("personne ne peut écrire à ses référents par la plateforme"),
}
POLICY_LABELS = {
    ContactPolicy.EVERYONE: gettext_lazy("tout le monde peut vous écrire par la plateforme"),
    ContactPolicy.PARTNERS: gettext_lazy(
        "seuls les partenaires connectés peuvent vous écrire par la plateforme"
    ),
    ContactPolicy.NOBODY: gettext_lazy("personne ne peut vous écrire par la plateforme"),
}


def _preferences_section(structures: list[Structure], person: Person | None) -> SpaceSection:
    items = []
    if person is not None:
        items.append(
            SpaceItem(
                title=_("Ma fiche : %(policy)s")
                % {
                    "policy": POLICY_LABELS[
                        person.contact_policy([side for side in person.profile_sides if side])
                    ]
                },
                detail=_("Votre adresse reste cachée : les messages vous sont relayés par la plateforme."),
            )
        )
    for structure in structures:
        items.append(
            SpaceItem(
                title=_("%(name)s : %(policy)s")
                % {"name": structure.name, "policy": STRUCTURE_POLICY_LABELS[structure.accepts_messages]},
            )
        )
    preferences_url = optional_url("directory:contact_preferences")
    return SpaceSection(
        key="preferences",
        title=_("Mes préférences de courriel et de contact"),
        position=90,
        items=items,
        intro=_("Les courriels de service (sécurité, invitations, rappels) vous sont toujours envoyés."),
        empty_text=_(
            "Quand vous aurez une fiche, vous choisirez ici qui peut vous écrire par la plateforme."
        ),
        links=[SpaceLink(_("Choisir qui peut m'écrire"), preferences_url)] if preferences_url else [],
    )
