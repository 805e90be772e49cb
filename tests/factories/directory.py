"""Directory profiles built through the services (so they are indexed like real ones)."""

from actors.enums import ModerationStatus
from actors.models import (
    Activity,
    ActorProfile,
    Availability,
    Commune,
    Domain,
    Person,
    Qualification,
    Structure,
    StructureType,
    User,
)
from directory.services.profiles import person_save, profile_approve, profile_submit, structure_save
from tests.factories.actors import UserFactory

# A valid SIRET (Luhn) and FINESS (Luhn) for tests.
VALID_SIRET = "73282932000074"
VALID_FINESS = "310781406"


def _staff() -> User:
    staff = User.objects.filter(email="moderation@exemple.fr").first()
    return staff or UserFactory(email="moderation@exemple.fr")


def person_changes(**overrides) -> dict:
    changes = {
        "first_name": "Camille",
        "last_name": "Durand",
        "commune": Commune.objects.get(insee_code="31555"),
        "territories": ["31"],
        "region_wide": False,
        "profiles": list(ActorProfile.objects.filter(code="patient-partenaire")),
        "domains": list(Domain.objects.filter(code="soin-accompagnement")),
        "activities": list(Activity.objects.filter(code="education-therapeutique")),
        "availabilities": list(Availability.objects.filter(code="a-distance")),
        "qualifications": list(Qualification.objects.filter(code="etp-40h")),
        "bio": "Patiente partenaire à l'Hôpital Purpan, j'anime des ateliers.",
        "experience": "",
        "email": "",
        "phone": "",
        "website": "",
        "visibility": {},
    }
    for key in ("commune",):
        if isinstance(overrides.get(key), str):
            overrides[key] = Commune.objects.get(insee_code=overrides[key])
    for key, model in (
        ("profiles", ActorProfile),
        ("domains", Domain),
        ("activities", Activity),
        ("availabilities", Availability),
        ("qualifications", Qualification),
    ):
        if key in overrides and overrides[key] and isinstance(overrides[key][0], str):
            overrides[key] = list(model.objects.filter(code__in=overrides[key]))
    changes.update(overrides)
    return changes


def make_person(*, user: User | None = None, status: str = ModerationStatus.PUBLISHED, **overrides) -> Person:
    """A person's profile in the given state, built step by step through the services."""
    user = user or UserFactory()
    person = person_save(person=None, by=user, changes=person_changes(**overrides))
    if status in (ModerationStatus.PENDING, ModerationStatus.PUBLISHED):
        profile_submit(profile=person, by=user, consent=True)
    if status == ModerationStatus.PUBLISHED:
        profile_approve(profile=person, by=_staff())
    return Person.objects.get(pk=person.pk)


def structure_changes(**overrides) -> dict:
    changes = {
        "name": "Centre hospitalier de Montauban",
        "acronym": "",
        "structure_type": StructureType.objects.get(code="ch"),
        "siret": "",
        "finess": "",
        "address": "100 rue Léon Cladel",
        "postal_code": "82000",
        "commune": Commune.objects.get(insee_code="82121"),
        "territories": ["82"],
        "region_wide": False,
        "domains": list(Domain.objects.filter(code="soin-accompagnement")),
        "description": "Un hôpital engagé avec ses usagers.",
        "email": "contact@ch-montauban.exemple.fr",
        "phone": "",
        "website": "",
    }
    if isinstance(overrides.get("commune"), str):
        overrides["commune"] = Commune.objects.get(insee_code=overrides["commune"])
    if isinstance(overrides.get("structure_type"), str):
        overrides["structure_type"] = StructureType.objects.get(code=overrides["structure_type"])
    if overrides.get("domains") and isinstance(overrides["domains"][0], str):
        overrides["domains"] = list(Domain.objects.filter(code__in=overrides["domains"]))
    changes.update(overrides)
    return changes


def make_structure(
    *, by: User | None = None, status: str = ModerationStatus.PUBLISHED, **overrides
) -> Structure:
    by = by or UserFactory()
    structure = structure_save(structure=None, by=by, changes=structure_changes(**overrides))
    if status in (ModerationStatus.PENDING, ModerationStatus.PUBLISHED):
        profile_submit(profile=structure, by=by, consent=True)
    if status == ModerationStatus.PUBLISHED:
        profile_approve(profile=structure, by=_staff())
    return Structure.objects.get(pk=structure.pk)


# --- Projects (directory.services.projects) -------------------------------------------------------------


def project_changes(**overrides) -> dict:
    """A project's cleaned data; `main_structure` must be given (or passed to make_project)."""
    changes = {
        "title": "Ateliers d'éducation thérapeutique co-animés",
        "summary": "Des patients partenaires co-animent les ateliers d'ETP avec les soignants.",
        "description": "Depuis 2024, chaque atelier est préparé et animé en binôme.",
        "state": "en_cours",
        "started_on": None,
        "ended_on": None,
        "domains": list(Domain.objects.filter(code="soin-accompagnement")),
        "practices": list(Activity.objects.filter(code="education-therapeutique")),
        "territories": ["31"],
        "communes": [Commune.objects.get(insee_code="31555")],
        "region_wide": False,
        "structures": [],
        "outcomes": "",
        "indicators": [],
        "radar": None,
        "video_url": "",
        "website": "",
        "brakes": [],
        "levers": [],
        "lessons": "",
    }
    if overrides.get("domains") and isinstance(overrides["domains"][0], str):
        overrides["domains"] = list(Domain.objects.filter(code__in=overrides["domains"]))
    if overrides.get("practices") and isinstance(overrides["practices"][0], str):
        overrides["practices"] = list(Activity.objects.filter(code__in=overrides["practices"]))
    if overrides.get("communes") and isinstance(overrides["communes"][0], str):
        overrides["communes"] = list(Commune.objects.filter(insee_code__in=overrides["communes"]))
    changes.update(overrides)
    return changes


def make_project(
    *,
    by: User | None = None,
    structure: Structure | None = None,
    status: str = ModerationStatus.PUBLISHED,
    **overrides,
):
    """A project in the given state, built through the services. Without `by`, its author is a new
    user with a published person profile, accepted member (référent) of `structure` (a new
    published structure when not given)."""
    from directory.models import Project
    from directory.services.projects import project_save

    if by is None:
        by = UserFactory()
        make_person(user=by)
        if structure is None:
            structure = make_structure(by=by)  # the registrant's person becomes its référent
        else:
            from actors.enums import MembershipStatus
            from actors.models import Membership

            Membership.objects.get_or_create(
                person=Person.objects.get(user=by),
                structure=structure,
                defaults={"status": MembershipStatus.ACCEPTED, "is_referent": True},
            )
    elif structure is None:
        structure = make_structure(by=by)
    project = project_save(
        project=None, by=by, changes=project_changes(**{"main_structure": structure, **overrides})
    )
    if status in (ModerationStatus.PENDING, ModerationStatus.PUBLISHED):
        profile_submit(profile=project, by=by, consent=True)
    if status == ModerationStatus.PUBLISHED:
        profile_approve(profile=project, by=_staff())
    return Project.objects.get(pk=project.pk)
